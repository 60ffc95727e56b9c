"""Authorization codes: single use, short-lived, bound to client, redirect URI and PKCE challenge.

Only the SHA-256 of a code is stored. Redemption is a compare-and-set on ``used``, so
two concurrent redemptions cannot both succeed; a second redemption is treated as a
stolen code (RFC 6749 §4.1.2) and revokes what the first one obtained.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from dsn.security.oauth.errors import invalid_grant
from dsn.security.storage import writing
from dsn.store.security_schema import oauth_code


@dataclass(frozen=True, slots=True)
class CodeGrant:
    client_id: str
    user_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str
    nonce: str | None
    context: dict[str, Any] = field(default_factory=dict)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_code(engine: Engine, grant: CodeGrant, *, lifetime: int, now: int) -> str:
    code = secrets.token_urlsafe(32)
    with writing(engine) as conn:
        conn.execute(delete(oauth_code).where(oauth_code.c.expires < now - 3600))
        conn.execute(
            insert(oauth_code).values(
                code_hash=digest(code),
                client_id=grant.client_id,
                user_id=grant.user_id,
                redirect_uri=grant.redirect_uri,
                scope=" ".join(grant.scopes),
                code_challenge=grant.code_challenge,
                nonce=grant.nonce,
                context=json.dumps(grant.context),
                expires=now + lifetime,
                used=False,
            )
        )
    return code


class CodeReused(Exception):
    """The code was redeemed before; ``context`` says what that redemption obtained."""

    def __init__(self, context: dict[str, Any]) -> None:
        super().__init__("authorization code reused")
        self.context = context


def redeem_code(engine: Engine, code: str, *, now: int) -> CodeGrant:
    """Mark the code used and return its grant; raise ``invalid_grant`` or :class:`CodeReused`."""
    code_hash = digest(code or "")
    with writing(engine) as conn:
        row = conn.execute(select(oauth_code).where(oauth_code.c.code_hash == code_hash)).first()
        if row is None:
            raise invalid_grant("unknown authorization code")
        if row.used:
            raise CodeReused(json.loads(row.context or "{}"))
        if row.expires <= now:
            raise invalid_grant("the authorization code has expired")
        claimed = conn.execute(
            update(oauth_code)
            .where(oauth_code.c.code_hash == code_hash, oauth_code.c.used.is_(False))
            .values(used=True)
        )
        if claimed.rowcount != 1:
            raise CodeReused(json.loads(row.context or "{}"))
    return CodeGrant(
        client_id=row.client_id,
        user_id=row.user_id,
        redirect_uri=row.redirect_uri,
        scopes=tuple(row.scope.split()),
        code_challenge=row.code_challenge,
        nonce=row.nonce,
        context=json.loads(row.context or "{}"),
    )


def record_issued(engine: Engine, code: str, issued: dict[str, Any]) -> None:
    """Remember what a redemption produced (refresh family, access token id) for reuse handling."""
    code_hash = digest(code)
    with writing(engine) as conn:
        row = conn.execute(select(oauth_code.c.context).where(oauth_code.c.code_hash == code_hash)).first()
        if row is not None:
            context = {**json.loads(row.context or "{}"), "issued": issued}
            conn.execute(
                update(oauth_code).where(oauth_code.c.code_hash == code_hash).values(context=json.dumps(context))
            )
