"""The token endpoint: authenticate the client, then hand the request to its grant type."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.oauth.client_auth import authenticate_client
from dsn.security.oauth.client_credentials import backend_token
from dsn.security.oauth.code_grant import exchange_code
from dsn.security.oauth.errors import OAuthError
from dsn.security.oauth.refresh_grant import refresh
from dsn.security.remote_jwks import JwksCache

GRANTS = {
    "authorization_code": exchange_code,
    "refresh_token": refresh,
    "client_credentials": backend_token,
}


def token_request(
    form: dict[str, str],
    authorization: str | None,
    *,
    engine: Engine,
    settings: Settings,
    jwks_cache: JwksCache,
    now: int,
) -> dict[str, Any]:
    handler = GRANTS.get(form.get("grant_type", ""))
    if handler is None:
        raise OAuthError("unsupported_grant_type", f"grant_type must be one of {', '.join(GRANTS)}")
    caller = authenticate_client(form, authorization, engine=engine, settings=settings, jwks_cache=jwks_cache, now=now)
    return handler(form, caller, engine=engine, settings=settings, now=now)
