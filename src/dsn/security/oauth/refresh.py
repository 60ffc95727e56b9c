"""Refresh tokens: opaque, rotated at every use, grouped in families for reuse detection.

Each authorization starts a family that lives ``refresh_token_lifetime`` seconds in
total. Using a refresh token marks it used and issues its successor in the same
family. Presenting a used token again means two parties hold the same token (one of
them stole it), so the whole family is revoked — including the access tokens it
produced — and the legitimate app must send its user through login again (OAuth 2.0
Security BCP §4.14). Only SHA-256 digests are stored.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from dsn.security.oauth.codes import digest
from dsn.security.oauth.errors import invalid_grant
from dsn.security.oauth.jti import revoke_access_token
from dsn.security.storage import reading, writing
from dsn.store.security_schema import oauth_refresh


@dataclass(frozen=True, slots=True)
class RefreshGrant:
    family_id: str
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    context: dict[str, Any]
    expires: int


def new_family() -> str:
    return secrets.token_hex(16)


def store_refresh_token(conn: Connection, grant: RefreshGrant, *, now: int) -> str:
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(oauth_refresh).values(
            token_hash=digest(token),
            family_id=grant.family_id,
            client_id=grant.client_id,
            user_id=grant.user_id,
            scope=" ".join(grant.scopes),
            context=json.dumps(grant.context),
            expires=grant.expires,
            used=False,
            revoked=False,
            created=now,
        )
    )
    return token


def issue_refresh_token(engine: Engine, grant: RefreshGrant, *, now: int) -> str:
    with writing(engine) as conn:
        return store_refresh_token(conn, grant, now=now)


class RefreshReused(Exception):
    def __init__(self, family_id: str) -> None:
        super().__init__("refresh token reused")
        self.family_id = family_id


def use_refresh_token(engine: Engine, token: str, client_id: str, *, now: int) -> RefreshGrant:
    """Consume a refresh token: its grant, or ``invalid_grant``; raises :class:`RefreshReused` on reuse."""
    token_hash = digest(token or "")
    with writing(engine) as conn:
        row = conn.execute(select(oauth_refresh).where(oauth_refresh.c.token_hash == token_hash)).first()
        if row is None:
            raise invalid_grant("unknown refresh token")
        if row.client_id != client_id:
            raise invalid_grant("the refresh token was issued to another client")
        if row.revoked:
            raise invalid_grant("the refresh token has been revoked")
        if row.used:
            raise RefreshReused(row.family_id)
        if row.expires <= now:
            raise invalid_grant("the refresh token has expired")
        claimed = conn.execute(
            update(oauth_refresh)
            .where(oauth_refresh.c.token_hash == token_hash, oauth_refresh.c.used.is_(False))
            .values(used=True)
        )
        if claimed.rowcount != 1:
            raise RefreshReused(row.family_id)
    return RefreshGrant(
        family_id=row.family_id,
        client_id=row.client_id,
        user_id=row.user_id,
        scopes=tuple(row.scope.split()),
        context=json.loads(row.context or "{}"),
        expires=row.expires,
    )


def revoke_family(engine: Engine, family_id: str, *, now: int) -> int:
    """Revoke every refresh token of a family and the live access tokens it produced."""
    with writing(engine) as conn:
        rows = conn.execute(select(oauth_refresh.c.context).where(oauth_refresh.c.family_id == family_id)).all()
        revoked = conn.execute(update(oauth_refresh).where(oauth_refresh.c.family_id == family_id).values(revoked=True))
    for row in rows:
        context = json.loads(row.context or "{}")
        if context.get("access_jti") and int(context.get("access_exp", 0)) > now:
            revoke_access_token(engine, context["access_jti"], int(context["access_exp"]))
    return revoked.rowcount or 0


def family_of(engine: Engine, token: str) -> tuple[str, str] | None:
    """(family id, client id) of a refresh token, for revocation."""
    with reading(engine) as conn:
        row = conn.execute(
            select(oauth_refresh.c.family_id, oauth_refresh.c.client_id).where(
                oauth_refresh.c.token_hash == digest(token)
            )
        ).first()
    return (row.family_id, row.client_id) if row else None
