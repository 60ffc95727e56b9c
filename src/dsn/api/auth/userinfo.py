"""``GET /oauth/userinfo`` (OpenID Connect): who the bearer of an access token is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from dsn.api.auth.common import engine_of, oauth_json, settings_of, unauthorized
from dsn.security.authentication import AuthenticationError, authenticate

router = APIRouter()


@router.get("/oauth/userinfo", include_in_schema=False)
async def userinfo(request: Request) -> JSONResponse:
    header = request.headers.get("authorization")
    try:
        if not header:
            raise AuthenticationError("an access token is required")
        caller = await run_in_threadpool(authenticate, header, settings=settings_of(request), engine=engine_of(request))
    except AuthenticationError as exc:
        return unauthorized(exc)
    if caller.kind != "user":
        return unauthorized(AuthenticationError("userinfo describes users; this token belongs to a client"))
    body = {"sub": caller.subject, "name": caller.display, "dsn_role": caller.role}
    if caller.fhir_user:
        body["fhirUser"] = caller.fhir_user
    return oauth_json(body)
