"""Logging in and out of the web application through DSN's own SMART login.

``/app/login`` sends the browser to ``/oauth/authorize`` as the public client
``dsn-web`` with PKCE (S256) and a random ``state``, both kept in a short-lived
HttpOnly cookie; ``/app/callback`` checks the state, redeems the code in-process through
the same code grant the token endpoint uses (client, redirect URI, PKCE, single use),
and opens a server-side session. The access token that grant returns is revoked at
once: pages act through the session, never through a token in the browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from dsn.api.auth.common import now_of
from dsn.config import Settings
from dsn.security.clients import get_client
from dsn.security.oauth.client_auth import AuthenticatedClient
from dsn.security.oauth.code_grant import exchange_code
from dsn.security.oauth.errors import OAuthError
from dsn.security.oauth.jti import revoke_access_token
from dsn.security.tokens import TokenError, verify_access_token
from dsn.web.client import CLIENT_ID, REQUESTED_SCOPES, redirect_uri
from dsn.web.i18n import Translator
from dsn.web.page import WebPage, web_page
from dsn.web.rendering import render_page, translator_for
from dsn.web.sessions import COOKIE, close_session, open_session

router = APIRouter()
LOGIN_COOKIE = "dsn_web_login"
LOGIN_SECONDS = 600
HOME = "/app/"


def safe_next(value: str | None) -> str:
    """Only a path of the web app itself: never an open redirect to another site."""
    if not value or not value.startswith("/app/") or value.startswith("//") or "\\" in value:
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value


def _secure(settings: Settings) -> bool:
    return settings.issuer_url().startswith("https://")


@router.get("/app/login", include_in_schema=False)
async def login(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    next_path = safe_next(request.query_params.get("next"))
    issuer = urlsplit(settings.issuer_url())
    if request.url.netloc != issuer.netloc or request.url.scheme != issuer.scheme:
        # Cookies belong to one host name: log in on the server's public address.
        return RedirectResponse(f"{settings.issuer_url().rstrip('/')}/app/login?{urlencode({'next': next_path})}", 303)
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    t = translator_for(request)
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri(settings),
        "scope": " ".join(REQUESTED_SCOPES),
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "aud": settings.base_url,
        "lang": t.language,
    }
    response = RedirectResponse(f"/oauth/authorize?{urlencode(query)}", 303)
    response.set_cookie(
        LOGIN_COOKIE,
        json.dumps({"state": state, "verifier": verifier, "next": next_path}),
        max_age=LOGIN_SECONDS,
        path="/app/",
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )
    return response


@router.get("/app/callback", include_in_schema=False)
async def callback(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    engine = request.app.state.engine
    t = translator_for(request)
    try:
        pending = json.loads(request.cookies.get(LOGIN_COOKIE, "") or "{}")
    except ValueError:
        pending = {}
    state = request.query_params.get("state", "")
    if not isinstance(pending, dict) or not pending.get("state") or not hmac.compare_digest(
        str(pending["state"]).encode(), state.encode()
    ):
        return _login_error(request, t, "login_state_mismatch", None)
    if request.query_params.get("error"):
        return _login_error(request, t, "login_refused", request.query_params.get("error_description"))
    code = request.query_params.get("code", "")
    now = now_of(request)
    try:
        claims = await run_in_threadpool(_redeem, engine, settings, code, str(pending.get("verifier", "")), now)
    except (OAuthError, TokenError) as exc:
        return _login_error(request, t, "login_refused", getattr(exc, "description", None) or str(exc))
    token, _ = await run_in_threadpool(
        lambda: open_session(
            engine,
            user_id=str(claims["sub"]),
            client_id=CLIENT_ID,
            scopes=tuple(str(claims.get("scope", "")).split()),
            patient=claims.get("patient"),
            now=now,
        )
    )
    response = RedirectResponse(safe_next(pending.get("next")), 303)
    response.delete_cookie(LOGIN_COOKIE, path="/app/")
    response.set_cookie(COOKIE, token, path="/", httponly=True, samesite="lax", secure=_secure(settings))
    return response


def _redeem(engine: Engine, settings: Settings, code: str, verifier: str, now: int) -> dict[str, Any]:
    client = get_client(engine, CLIENT_ID)
    if client is None:
        raise OAuthError("invalid_client", "the web application is not registered")
    form = {"code": code, "redirect_uri": redirect_uri(settings), "code_verifier": verifier}
    body = exchange_code(form, AuthenticatedClient(client, "none"), engine=engine, settings=settings, now=now)
    claims = verify_access_token(body["access_token"], settings, now=now)
    revoke_access_token(engine, claims["jti"], int(claims["exp"]))
    return claims


def _login_error(request: Request, t: Translator, key: str, detail: str | None) -> Response:
    response = render_page(request, "web/login_error.html", t, 400, message_key=key, detail=detail)
    response.delete_cookie(LOGIN_COOKIE, path="/app/")
    return response


@router.post("/app/logout", include_in_schema=False)
async def logout(request: Request, page: WebPage = Depends(web_page)) -> Response:
    await page.form()
    await run_in_threadpool(close_session, page.engine, request.cookies.get(COOKIE))
    response = RedirectResponse(f"{HOME}?logged_out=1", 303)
    response.delete_cookie(COOKIE, path="/")
    return response
