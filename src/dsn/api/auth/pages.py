"""Rendering the login pages: Jinja2 templates (autoescaped) in the caller's language."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from dsn.security.scopes import ScopeError, parse_scope
from dsn.web.auth_i18n import COOKIE, Translator, choose_language

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def translator(request: Request, form: dict[str, str] | None = None) -> Translator:
    asked = (form or {}).get("lang") or request.query_params.get("lang")
    return Translator(choose_language(asked, request.cookies.get(COOKIE)))


def render(request: Request, template: str, t: Translator, status: int = 200, **context: Any) -> HTMLResponse:
    other = "en" if t.language == "fr" else "fr"
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    params = context.get("params") or {}
    switch_url = "/oauth/authorize?" + urlencode({**(params if request.method == "POST" else query), "lang": other})
    html = environment().get_template(template).render(t=t, switch_url=switch_url, **context)
    response = HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)
    response.set_cookie(COOKIE, t.language, max_age=365 * 86400, samesite="lax", path="/")
    return response


def scope_lines(scopes: tuple[str, ...], t: Translator) -> list[str]:
    """The requested access in words, one line per scope."""
    lines: list[str] = []
    for text in scopes:
        try:
            scope = parse_scope(text)
        except ScopeError:
            continue
        if scope is None:
            if text in ("openid", "fhirUser", "profile"):
                line = t("scope_identity")
            elif text in ("offline_access", "online_access"):
                line = t("scope_offline")
            else:
                continue
        else:
            words = []
            if scope.permissions & {"r", "s"}:
                words.append(t("perm_read"))
            if scope.permissions & {"c", "u", "d"}:
                words.append(t("perm_write"))
            resource = t("all_resources") if scope.resource == "*" else scope.resource
            key = "scope_patient" if scope.context == "patient" else "scope_user"
            line = t(key, resource=resource, permissions=", ".join(words))
        if line not in lines:
            lines.append(line)
    return lines
