"""``POST /oauth/token``: authorization code, refresh token and client credentials grants."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from dsn.api.auth.auditing import token_issued
from dsn.api.auth.common import engine_of, now_of, oauth_error, oauth_json, read_form, settings_of
from dsn.audit.writer import AuditUnavailable
from dsn.security.oauth.client_auth import CLIENT_JWKS
from dsn.security.oauth.errors import OAuthError
from dsn.security.oauth.token import token_request

router = APIRouter()


@router.post("/oauth/token", include_in_schema=False)
async def token(request: Request) -> JSONResponse:
    try:
        form = await read_form(request)
        body = await run_in_threadpool(
            token_request,
            form,
            request.headers.get("authorization"),
            engine=engine_of(request),
            settings=settings_of(request),
            jwks_cache=CLIENT_JWKS,
            now=now_of(request),
        )
    except OAuthError as exc:
        return oauth_error(exc)
    try:
        await token_issued(request, form, body)
    except AuditUnavailable:
        return oauth_error(OAuthError("temporarily_unavailable", "the audit log is unavailable", status=503))
    return oauth_json(body)
