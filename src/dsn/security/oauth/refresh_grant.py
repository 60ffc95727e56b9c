"""``grant_type=refresh_token``: rotate the refresh token and issue a fresh access token.

A client may ask for fewer scopes than first granted (``scope`` parameter), never more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.oauth.client_auth import AuthenticatedClient
from dsn.security.oauth.errors import invalid_grant, invalid_request, invalid_scope
from dsn.security.oauth.refresh import RefreshReused, revoke_family, use_refresh_token
from dsn.security.oauth.token_response import active_user, user_token_response
from dsn.security.scopes import narrow


def refresh(
    form: dict[str, str], caller: AuthenticatedClient, *, engine: Engine, settings: Settings, now: int
) -> dict[str, Any]:
    token = form.get("refresh_token")
    if not token:
        raise invalid_request("refresh_token is required")
    try:
        grant = use_refresh_token(engine, token, caller.client.client_id, now=now)
    except RefreshReused as reused:
        revoke_family(engine, reused.family_id, now=now)
        raise invalid_grant("the refresh token was already used; every token of this grant is revoked") from None
    scopes = grant.scopes
    if form.get("scope"):
        requested = form["scope"].split()
        narrowed = tuple(narrow(requested, list(grant.scopes)))
        if set(requested) - set(narrowed):
            raise invalid_scope("a refresh may not ask for scopes beyond the original grant")
        scopes = narrowed
    user = active_user(engine, grant.user_id)
    context = {k: v for k, v in grant.context.items() if k not in ("access_jti", "access_exp", "nonce")}
    body, _ = user_token_response(
        engine,
        settings,
        user=user,
        client_id=grant.client_id,
        scopes=scopes,
        context=context,
        now=now,
        family=(grant.family_id, grant.expires),
    )
    return body
