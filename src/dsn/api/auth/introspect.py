"""``POST /oauth/introspect`` (RFC 7662), for authenticated clients."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from dsn.api.auth.common import engine_of, now_of, oauth_error, oauth_json, read_form, settings_of
from dsn.security.oauth.client_auth import CLIENT_JWKS, authenticate_client
from dsn.security.oauth.errors import OAuthError
from dsn.security.oauth.introspect import introspect

router = APIRouter()


@router.post("/oauth/introspect", include_in_schema=False)
async def introspect_token(request: Request) -> JSONResponse:
    engine, settings, now = engine_of(request), settings_of(request), now_of(request)

    def run(form: dict[str, str]) -> dict[str, Any]:
        caller = authenticate_client(
            form,
            request.headers.get("authorization"),
            engine=engine,
            settings=settings,
            jwks_cache=CLIENT_JWKS,
            now=now,
        )
        return introspect(form, caller, engine=engine, settings=settings, now=now)

    try:
        body = await run_in_threadpool(run, await read_form(request))
    except OAuthError as exc:
        return oauth_error(exc)
    return oauth_json(body)
