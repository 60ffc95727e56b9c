"""Token revocation (RFC 7009): a client withdraws a refresh token (its whole family) or an access token.

The answer is 200 whether or not the token was known, so the endpoint cannot be used to
probe for valid tokens; a client can only revoke tokens that were issued to it.
"""

from __future__ import annotations

from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.oauth.client_auth import AuthenticatedClient
from dsn.security.oauth.errors import invalid_request
from dsn.security.oauth.jti import revoke_access_token
from dsn.security.oauth.refresh import family_of, revoke_family
from dsn.security.tokens import TokenError, verify_access_token


def revoke(form: dict[str, str], caller: AuthenticatedClient, *, engine: Engine, settings: Settings, now: int) -> None:
    token = form.get("token")
    if not token:
        raise invalid_request("token is required")
    family = family_of(engine, token)
    if family is not None:
        family_id, client_id = family
        if client_id == caller.client.client_id:
            revoke_family(engine, family_id, now=now)
        return
    try:
        claims = verify_access_token(token, settings, now=now)
    except TokenError:
        return  # unknown, malformed or already expired: nothing left to revoke
    if claims.get("client_id") == caller.client.client_id:
        revoke_access_token(engine, claims["jti"], int(claims["exp"]))
