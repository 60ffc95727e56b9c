"""What every web page receives: who is logged in, in which language, and the service.

``web_page`` is the FastAPI dependency of every page behind the login. It opens the
session from its cookie, reads the user's current row and builds the same
:class:`~dsn.service.context.RequestContext` an API call would carry, so the page's
reads and writes go through the one access policy and audit log. Without a live
session it sends the browser to the login (``LoginRequired``). Forms are checked
against the session's CSRF token and, when the browser sends one, the ``Origin``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from dsn.api.auth.common import now_of
from dsn.config import Settings
from dsn.security.roles import CLINICAL_ROLES
from dsn.security.users import User
from dsn.service.context import Caller, RequestContext
from dsn.service.records import RecordService
from dsn.web.caller import caller_for, session_user
from dsn.web.i18n import Translator
from dsn.web.rendering import render_page, translator_for
from dsn.web.sessions import COOKIE, WebSession, find_session

MAX_FORM_BYTES = 64 * 1024
T = TypeVar("T")


NAV: dict[str, tuple[tuple[str, str], ...]] = {
    "clinical": (("/app/chart/", "nav_patient_search"),),
    "patient": (
        ("/app/portal/", "nav_my_record"),
        ("/app/portal/labs", "nav_my_labs"),
        ("/app/portal/access", "nav_access_log"),
        ("/app/portal/sharing", "nav_sharing"),
        ("/app/portal/download", "nav_download"),
    ),
    "privacy": (
        ("/app/privacy/", "nav_access_search"),
        ("/app/privacy/review", "nav_btg_review"),
        ("/app/privacy/integrity", "nav_audit_integrity"),
    ),
}


def nav_for(role: str) -> tuple[tuple[str, str], ...]:
    """The navigation of a role's area (``(href, message key)``)."""
    if role in CLINICAL_ROLES:
        return NAV["clinical"]
    if role == "patient":
        return NAV["patient"]
    if role == "privacy_officer":
        return NAV["privacy"]
    return ()


class LoginRequired(Exception):
    """No live session: the browser goes to the login page, then back to ``next``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class WebError(Exception):
    """A page-level refusal or mistake, shown as an error page with ``status``."""

    def __init__(self, status: int, message_key: str, detail: str | None = None) -> None:
        super().__init__(message_key)
        self.status = status
        self.message_key = message_key
        self.detail = detail


@dataclass(slots=True)
class WebPage:
    request: Request
    service: RecordService
    settings: Settings
    engine: Engine
    t: Translator
    session: WebSession
    user: User
    caller: Caller
    ctx: RequestContext

    @property
    def role(self) -> str:
        return self.user.role

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("nav", nav_for(self.user.role))
        return render_page(
            self.request, template, self.t, status, user=self.user, csrf_token=self.session.csrf, **context
        )

    async def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run the page's service calls off the event loop, their audit records committed together.

        A page makes several reads; each read's audit record is queued as it happens and
        the page waits once for all of them (still before anything is sent), instead of
        once per read. See :meth:`dsn.service.auditing.Auditor.reads_together`.
        """

        def together() -> T:
            with self.service.auditor.reads_together():
                return work(*args, **kwargs)

        return await run_in_threadpool(together)

    async def form(self) -> dict[str, str]:
        """The posted form, after the CSRF and origin checks (403 otherwise)."""
        content_type = self.request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise WebError(415, "error_form_type")
        body = b""
        async for chunk in self.request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                raise WebError(413, "error_form_too_large")
        form: dict[str, str] = {}
        for name, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
            form.setdefault(name, value)
        if not _same_origin(self.request, self.settings) or not hmac.compare_digest(
            form.get("csrf_token", "").encode(), self.session.csrf.encode()
        ):
            raise WebError(403, "error_csrf")
        return form


def _same_origin(request: Request, settings: Settings) -> bool:
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    issuer = urlsplit(settings.issuer_url())
    own = {f"{issuer.scheme}://{issuer.netloc}", f"{request.url.scheme}://{request.url.netloc}"}
    return origin.rstrip("/") in own


async def web_page(request: Request) -> WebPage:
    state = request.app.state
    session, user = await run_in_threadpool(_open, state.engine, request.cookies.get(COOKIE), now_of(request))
    if session is None or user is None:
        next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(next_path if request.method == "GET" else "/app/")
    caller = await run_in_threadpool(caller_for, state.engine, session, user)
    ctx = RequestContext(
        caller=caller,
        request_id=getattr(request.state, "request_id", ""),
        remote_addr=getattr(request.state, "remote_addr", None),
    )
    return WebPage(
        request, state.service, state.settings, state.engine, translator_for(request), session, user, caller, ctx
    )


def _open(engine: Engine, token: str | None, now: int) -> tuple[WebSession | None, User | None]:
    session = find_session(engine, token, now=now)
    if session is None:
        return None, None
    return session, session_user(engine, session)
