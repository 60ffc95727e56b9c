"""``grant_type=authorization_code``: a code, its PKCE verifier and the same redirect URI → tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.oauth.client_auth import AuthenticatedClient
from dsn.security.oauth.codes import CodeReused, record_issued, redeem_code
from dsn.security.oauth.errors import invalid_grant, invalid_request
from dsn.security.oauth.jti import revoke_access_token
from dsn.security.oauth.pkce import check_verifier
from dsn.security.oauth.refresh import revoke_family
from dsn.security.oauth.token_response import active_user, user_token_response


def exchange_code(
    form: dict[str, str], caller: AuthenticatedClient, *, engine: Engine, settings: Settings, now: int
) -> dict[str, Any]:
    code = form.get("code")
    if not code:
        raise invalid_request("code is required")
    try:
        grant = redeem_code(engine, code, now=now)
    except CodeReused as reused:
        _revoke_what_it_obtained(engine, reused.context.get("issued") or {}, now=now)
        raise invalid_grant("the authorization code was already used; tokens issued for it are revoked") from None
    if grant.client_id != caller.client.client_id:
        raise invalid_grant("the authorization code was issued to another client")
    if form.get("redirect_uri") != grant.redirect_uri:
        raise invalid_grant("redirect_uri does not match the authorization request")
    check_verifier(form.get("code_verifier"), grant.code_challenge)
    user = active_user(engine, grant.user_id)
    context = {**grant.context, "nonce": grant.nonce}
    body, issued = user_token_response(
        engine, settings, user=user, client_id=grant.client_id, scopes=grant.scopes, context=context, now=now
    )
    record_issued(engine, code, issued)
    return body


def _revoke_what_it_obtained(engine: Engine, issued: dict[str, Any], *, now: int) -> None:
    if issued.get("family_id"):
        revoke_family(engine, issued["family_id"], now=now)
    if issued.get("access_jti") and int(issued.get("access_exp", 0)) > now:
        revoke_access_token(engine, issued["access_jti"], int(issued["access_exp"]))
