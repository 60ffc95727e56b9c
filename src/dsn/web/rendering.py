"""Rendering web pages: autoescaped Jinja2 templates, the caller's language, strict headers.

Pages load only their own stylesheet and script (``/app/static``); the Content Security
Policy forbids everything else, inline scripts included, so an injected ``<script>`` in
a clinical note cannot run even if escaping were ever bypassed. Charts are inline SVG
drawn on the server.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from dsn.web.i18n import COOKIE, Translator, choose_language

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def translator_for(request: Request) -> Translator:
    return Translator(choose_language(request.query_params.get("lang"), request.cookies.get(COOKIE)))


def render_page(request: Request, template: str, t: Translator, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", None)
    context.setdefault("csrf_token", "")
    context.setdefault("nav", None)
    html = environment().get_template(template).render(t=t, request_path=_here(request), **context)
    response = HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
    if request.query_params.get("lang") == t.language:
        response.set_cookie(COOKIE, t.language, max_age=365 * 86400, samesite="lax", path="/")
    return response


def _here(request: Request) -> str:
    """This page's path and query without ``lang``: where the language switch comes back to."""
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    return request.url.path + (f"?{query}" if query else "")
