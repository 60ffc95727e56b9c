"""``/app/``: the welcome page before login, each role's home after it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from dsn.api.auth.common import now_of
from dsn.security.roles import CLINICAL_ROLES
from dsn.web.caller import session_user
from dsn.web.page import WebPage, web_page
from dsn.web.rendering import render_page, translator_for
from dsn.web.sessions import COOKIE, find_session

router = APIRouter()


def home_of(role: str) -> str:
    if role in CLINICAL_ROLES:
        return "/app/chart/"
    if role == "patient":
        return "/app/portal/"
    if role == "privacy_officer":
        return "/app/privacy/"
    return "/app/admin"


@router.get("/app/admin", include_in_schema=False)
async def admin(page: WebPage = Depends(web_page)) -> Response:
    """Administrators run DSN with the ``dsn`` command; the web app has no pages of theirs yet."""
    return page.render("web/admin.html")


@router.get("/app", include_in_schema=False)
async def app_root() -> Response:
    return RedirectResponse("/app/", 307)


@router.get("/app/", include_in_schema=False)
async def home(request: Request) -> Response:
    engine = request.app.state.engine
    session = await run_in_threadpool(find_session, engine, request.cookies.get(COOKIE), now=now_of(request))
    user = await run_in_threadpool(session_user, engine, session) if session else None
    if user is not None:
        target = home_of(user.role)
        if request.query_params.get("lang"):
            target += f"?lang={translator_for(request).language}"
        return RedirectResponse(target, 303)
    t = translator_for(request)
    return render_page(request, "web/welcome.html", t, logged_out=bool(request.query_params.get("logged_out")))
