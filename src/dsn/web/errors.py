"""Errors on web pages: an error page in the user's language, or the way to the login.

The API's exception handlers call :func:`web_error_response` for paths under ``/app/``,
so a refusal by the access policy (a ``FhirError`` 403) reads as a sentence, and the
page still says only what the API would say (no existence leak).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dsn.web.page import LoginRequired, WebError
from dsn.web.rendering import render_page, translator_for

_STATUS_KEYS = {
    400: "error_bad_request",
    401: "error_login_required",
    403: "error_forbidden",
    404: "error_not_found",
    409: "error_conflict",
    410: "error_not_found",
    413: "error_form_too_large",
    415: "error_form_type",
    422: "error_bad_request",
    429: "error_too_many",
    503: "error_unavailable",
}


def is_web(request: Request) -> bool:
    path = request.url.path
    return path == "/app" or path.startswith("/app/")


def web_error_response(request: Request, exc: Exception, status: int, detail: str | None = None) -> Response:
    if isinstance(exc, LoginRequired):
        return RedirectResponse(f"/app/login?{urlencode({'next': exc.next_path})}", 303)
    key = exc.message_key if isinstance(exc, WebError) else _STATUS_KEYS.get(status, "error_unexpected")
    if isinstance(exc, WebError) and exc.detail:
        detail = exc.detail
    t = translator_for(request)
    return render_page(
        request,
        "web/error.html",
        t,
        status,
        message_key=key,
        detail=detail if status < 500 else None,
        request_id=getattr(request.state, "request_id", ""),
    )
