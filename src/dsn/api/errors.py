"""Every error leaves as an OperationOutcome with the right status; never a bare 500 page."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from dsn.api.responses import fhir_json
from dsn.fhir.outcome import single_issue
from dsn.security.authentication import AuthenticationError
from dsn.service.errors import FhirError
from dsn.web.errors import is_web, web_error_response
from dsn.web.page import LoginRequired, WebError

log = structlog.get_logger("dsn.api")

_HTTP_CODES = {404: "not-found", 405: "not-supported", 406: "not-supported", 413: "too-costly", 415: "not-supported"}


def install(app: FastAPI) -> None:
    @app.exception_handler(FhirError)
    async def fhir_error(request: Request, exc: FhirError) -> Response:
        if is_web(request):
            return web_error_response(request, exc, exc.status, str(exc))
        return fhir_json(exc.outcome(), exc.status, exc.headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return web_error_response(request, exc, 401)

    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        return web_error_response(request, exc, exc.status)

    @app.exception_handler(AuthenticationError)
    async def authentication_error(_request: Request, exc: AuthenticationError) -> Response:
        return fhir_json(
            single_issue("error", "login", f"invalid credentials: {exc.message}"),
            401,
            {"WWW-Authenticate": exc.www_authenticate()},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_web(request):
            return web_error_response(request, exc, exc.status_code)
        code = _HTTP_CODES.get(exc.status_code, "processing")
        if exc.status_code == 404:
            message = f"no FHIR endpoint at {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return fhir_json(single_issue("error", code, message), exc.status_code, dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        if is_web(request):
            return web_error_response(request, exc, 400, f"{where}: {first.get('msg', '')}")
        return fhir_json(single_issue("error", "invalid", f"invalid request: {where}: {first.get('msg', '')}"), 400)

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, exc: OperationalError) -> Response:
        log.error("database_unavailable", error=str(exc.orig), path=request.url.path)
        if is_web(request):
            return web_error_response(request, exc, 503)
        return fhir_json(
            single_issue("error", "transient", "the database is unavailable; retry later"), 503, {"Retry-After": "5"}
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        request_id = getattr(request.state, "request_id", "")
        log.exception("unhandled_error", path=request.url.path, request_id=request_id)
        if is_web(request):
            return web_error_response(request, exc, 500)
        return fhir_json(
            single_issue("fatal", "exception", f"internal error; quote request id {request_id} to support"), 500
        )
