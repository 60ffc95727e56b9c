"""Token introspection (RFC 7662) for resource servers and confidential clients.

Only authenticated clients (secret or private_key_jwt) may introspect. An inactive
answer says nothing about why, as the RFC requires.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from dsn.config import Settings
from dsn.security.oauth.client_auth import AuthenticatedClient
from dsn.security.oauth.codes import digest
from dsn.security.oauth.errors import OAuthError, invalid_request
from dsn.security.oauth.jti import is_revoked
from dsn.security.storage import reading
from dsn.security.tokens import TokenError, verify_access_token
from dsn.store.security_schema import oauth_refresh

INACTIVE = {"active": False}
_PUBLISHED_CLAIMS = ("scope", "client_id", "sub", "exp", "iat", "iss", "aud", "jti", "patient", "encounter", "fhirUser")


def introspect(
    form: dict[str, str], caller: AuthenticatedClient, *, engine: Engine, settings: Settings, now: int
) -> dict[str, Any]:
    if not caller.confidential:
        raise OAuthError("invalid_client", "introspection requires client authentication", 401)
    token = form.get("token")
    if not token:
        raise invalid_request("token is required")
    hint = form.get("token_type_hint")
    if hint != "refresh_token":
        try:
            claims = verify_access_token(token, settings, now=now)
        except TokenError:
            claims = None
        if claims is not None:
            if is_revoked(engine, claims["jti"]):
                return INACTIVE
            answer = {name: claims[name] for name in _PUBLISHED_CLAIMS if name in claims}
            answer["username"] = claims.get("dsn_name", claims["sub"])
            return {"active": True, "token_type": "Bearer", **answer}
    return _refresh_token(engine, token, now=now)


def _refresh_token(engine: Engine, token: str, *, now: int) -> dict[str, Any]:
    with reading(engine) as conn:
        row = conn.execute(select(oauth_refresh).where(oauth_refresh.c.token_hash == digest(token))).first()
    if row is None or row.used or row.revoked or row.expires <= now:
        return INACTIVE
    return {
        "active": True,
        "token_type": "refresh_token",
        "scope": row.scope,
        "client_id": row.client_id,
        "sub": row.user_id,
        "exp": row.expires,
    }
