"""What the auth routes share: app collaborators, form parsing, OAuth JSON answers, the clock.

OAuth endpoints answer in OAuth's JSON error format (RFC 6749 §5.2), not as FHIR
OperationOutcomes, so these routes parse their forms themselves instead of letting
FastAPI's validation errors reach the FHIR error handlers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from sqlalchemy import Engine
from starlette.responses import JSONResponse

from dsn.config import Settings
from dsn.security.authentication import AuthenticationError
from dsn.security.login import SYSTEM_CLOCK, Clock
from dsn.security.oauth.errors import OAuthError, invalid_request

MAX_FORM_BYTES = 64 * 1024
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def clock_of(request: Request) -> Clock:
    """The app's clock (tests replace ``app.state.auth_clock`` to move time without waiting)."""
    return getattr(request.app.state, "auth_clock", SYSTEM_CLOCK)


def now_of(request: Request) -> int:
    return int(clock_of(request).time())


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body; a repeated parameter is an error (RFC 6749 §3.1)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise invalid_request("the body must be application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise invalid_request("the request body is too large")
    return single_values(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def single_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values:
            raise invalid_request(f"parameter '{name}' is repeated")
        values[name] = value
    return values


def oauth_json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


def oauth_error(exc: OAuthError) -> JSONResponse:
    return oauth_json(exc.body(), exc.status, exc.headers)


def unauthorized(exc: AuthenticationError) -> JSONResponse:
    return oauth_json(
        {"error": "invalid_token", "error_description": exc.message}, 401, {"WWW-Authenticate": exc.www_authenticate()}
    )
