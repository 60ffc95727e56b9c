"""One-time identifiers: client-assertion ``jti`` values already used, access tokens revoked.

Both live in ``oauth_jti`` until they expire, then are pruned: a replayed assertion is
refused for as long as it could otherwise be accepted, and a revoked access token is
refused for the rest of its (short) life.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from dsn.security.storage import reading, writing
from dsn.store.security_schema import oauth_jti

ASSERTION = "assertion"
REVOKED = "revoked"


def _key(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def remember_once(engine: Engine, client_id: str, jti: str, expires: int) -> bool:
    """Record a client assertion's ``jti``; False when the client already used it (a replay)."""
    try:
        with writing(engine) as conn:
            conn.execute(
                insert(oauth_jti).values(jti=_key(ASSERTION, client_id, jti), purpose=ASSERTION, expires=expires)
            )
    except IntegrityError:
        return False
    return True


def revoke_access_token(engine: Engine, jti: str, expires: int) -> None:
    try:
        with writing(engine) as conn:
            conn.execute(insert(oauth_jti).values(jti=_key(REVOKED, jti), purpose=REVOKED, expires=expires))
    except IntegrityError:
        pass  # already revoked


def is_revoked(engine: Engine, jti: str) -> bool:
    """One primary-key lookup: the only database access on an authenticated request."""
    with reading(engine) as conn:
        return conn.execute(select(oauth_jti.c.jti).where(oauth_jti.c.jti == _key(REVOKED, jti))).first() is not None


def prune(engine: Engine, now: int) -> int:
    with writing(engine) as conn:
        return conn.execute(delete(oauth_jti).where(oauth_jti.c.expires < now)).rowcount or 0
