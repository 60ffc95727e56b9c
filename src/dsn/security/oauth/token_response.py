"""The token response for a person's grant (authorization code or refresh): access, id and refresh tokens.

The access token is built from the user's current row — role, organization, region,
represented patients — so a refresh picks up changes and a disabled account gets
nothing more. The response carries the SMART launch context (``patient``,
``encounter``), an ``id_token`` when ``openid`` was granted (with ``fhirUser`` when that
scope was granted too), and a rotated refresh token when ``offline_access`` or
``online_access`` was granted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from dsn.config import Settings
from dsn.security.oauth.errors import invalid_grant
from dsn.security.oauth.refresh import RefreshGrant, issue_refresh_token, new_family
from dsn.security.tokens import Grant, issue_access_token, issue_id_token
from dsn.security.users import User, get_user, patients_of

REFRESH_SCOPES = ("offline_access", "online_access")


def active_user(engine: Engine, user_id: str) -> User:
    user = get_user(engine, user_id)
    if user is None or not user.active:
        raise invalid_grant("the user account is disabled")
    return user


def user_grant(engine: Engine, user: User, client_id: str, scopes: tuple[str, ...], context: dict[str, Any]) -> Grant:
    return Grant(
        kind="user",
        subject=user.id,
        client_id=client_id,
        scopes=scopes,
        display=user.display_name,
        role=user.role,
        organization=user.organization_id,
        region=user.region_code,
        patients=patients_of(engine, user),
        launch_patient=context.get("patient"),
        launch_encounter=context.get("encounter"),
        fhir_user=user.fhir_user,
    )


def user_token_response(
    engine: Engine,
    settings: Settings,
    *,
    user: User,
    client_id: str,
    scopes: tuple[str, ...],
    context: dict[str, Any],
    now: int,
    family: tuple[str, int] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(response body, facts to remember for revocation: refresh family and access token id)."""
    access_token, claims = issue_access_token(user_grant(engine, user, client_id, scopes, context), settings, now=now)
    body: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": settings.access_token_lifetime,
        "scope": " ".join(scopes),
    }
    for name in ("patient", "encounter"):
        if context.get(name):
            body[name] = context[name]
    if context.get("patient"):
        body["need_patient_banner"] = True
    if "openid" in scopes:
        body["id_token"] = issue_id_token(
            settings,
            user_id=user.id,
            client_id=client_id,
            nonce=context.get("nonce"),
            auth_time=context.get("auth_time"),
            fhir_user=user.fhir_user if "fhirUser" in scopes else None,
            name=user.display_name if "profile" in scopes else None,
            now=now,
        )
    issued: dict[str, Any] = {"access_jti": claims["jti"], "access_exp": claims["exp"]}
    if any(scope in scopes for scope in REFRESH_SCOPES):
        family_id, expires = family or (new_family(), now + settings.refresh_token_lifetime)
        refresh_context = {**context, "access_jti": claims["jti"], "access_exp": claims["exp"]}
        grant = RefreshGrant(family_id, client_id, user.id, scopes, refresh_context, expires)
        body["refresh_token"] = issue_refresh_token(engine, grant, now=now)
        issued["family_id"] = family_id
    return body, issued
