"""CSRF protection for the login form: a double-submit token plus an Origin check.

The GET that renders the form sets a random token in a ``SameSite=Strict``, HttpOnly
cookie and in a hidden field; the POST must bring both, equal. A page on another site
can make a browser POST the form but can neither read nor set that cookie. When the
browser sends ``Origin``, it must be DSN's own.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import Response

from dsn.config import Settings

COOKIE = "dsn_csrf"
PATH = "/oauth/authorize"


def csrf_token(request: Request) -> str:
    """The browser's current token (kept across reloads and tabs) or a new one."""
    existing = request.cookies.get(COOKIE, "")
    return existing if 32 <= len(existing) <= 64 else secrets.token_urlsafe(32)


def set_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=3600,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=settings.issuer_url().startswith("https://"),
    )


def csrf_ok(request: Request, form: dict[str, str], settings: Settings) -> bool:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        issuer = urlsplit(settings.issuer_url())
        if origin.rstrip("/") != f"{issuer.scheme}://{issuer.netloc}":
            return False
    cookie = request.cookies.get(COOKIE, "")
    sent = form.get("csrf_token", "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), sent.encode())
