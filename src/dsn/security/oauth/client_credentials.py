"""``grant_type=client_credentials`` for SMART Backend Services.

Only backend clients that authenticated with ``private_key_jwt`` qualify; they get the
``system/`` scopes they asked for within their registration, no refresh token (they
sign a new assertion instead), and an access token that names the client itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.oauth.client_auth import AuthenticatedClient
from dsn.security.oauth.errors import OAuthError, invalid_scope
from dsn.security.oauth.scope_policy import backend_scopes
from dsn.security.tokens import Grant, issue_access_token


def backend_token(
    form: dict[str, str], caller: AuthenticatedClient, *, engine: Engine, settings: Settings, now: int
) -> dict[str, Any]:
    if caller.client.kind != "backend" or caller.method != "private_key_jwt":
        raise OAuthError(
            "unauthorized_client", "client_credentials is for backend services authenticating with private_key_jwt"
        )
    requested = (form.get("scope") or "").split()
    if not requested:
        raise invalid_scope("scope is required (for example system/*.rs)")
    scopes = tuple(backend_scopes(requested, caller.client))
    if not scopes:
        raise invalid_scope("none of the requested scopes is allowed for this client")
    grant = Grant(
        kind="client",
        subject=caller.client.client_id,
        client_id=caller.client.client_id,
        scopes=scopes,
        display=caller.client.name,
    )
    token, _ = issue_access_token(grant, settings, now=now)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": settings.access_token_lifetime,
        "scope": " ".join(scopes),
    }
