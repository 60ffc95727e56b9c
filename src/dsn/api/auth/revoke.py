"""``POST /oauth/revoke`` (RFC 7009)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from dsn.api.auth.common import engine_of, now_of, oauth_error, oauth_json, read_form, settings_of
from dsn.security.oauth.client_auth import CLIENT_JWKS, authenticate_client
from dsn.security.oauth.errors import OAuthError
from dsn.security.oauth.revoke import revoke

router = APIRouter()


@router.post("/oauth/revoke", include_in_schema=False)
async def revoke_token(request: Request) -> JSONResponse:
    engine, settings, now = engine_of(request), settings_of(request), now_of(request)

    def run(form: dict[str, str]) -> None:
        caller = authenticate_client(
            form,
            request.headers.get("authorization"),
            engine=engine,
            settings=settings,
            jwks_cache=CLIENT_JWKS,
            now=now,
        )
        revoke(form, caller, engine=engine, settings=settings, now=now)

    try:
        await run_in_threadpool(run, await read_form(request))
    except OAuthError as exc:
        return oauth_error(exc)
    return oauth_json({})
