"""``/oauth/authorize``: the login page (GET) and its form (POST) for SMART apps.

GET validates the authorization request and shows the bilingual login form. POST
checks the CSRF token, validates the request again, checks the credentials (with the
growing delay and lockout of :mod:`dsn.security.login`), asks for a patient when the
launch needs one, then redirects to the app with a one-time code.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from dsn.api.auth.auditing import login as audit_login
from dsn.api.auth.common import clock_of, engine_of, now_of, read_form, settings_of, single_values
from dsn.api.auth.csrf import csrf_ok, csrf_token, set_cookie
from dsn.api.auth.pages import render, scope_lines, translator
from dsn.audit.writer import AuditUnavailable
from dsn.security.login import LOCKED, OK, TOTP_INVALID, TOTP_REQUIRED, check_login
from dsn.security.oauth.authorize import (
    REQUEST_PARAMS,
    AuthorizationRequest,
    PatientChoice,
    RedirectError,
    choose_patient,
    issue_authorization_code,
    parse_request,
)
from dsn.security.oauth.errors import OAuthError
from dsn.security.oauth.login_ticket import issue_ticket, verify_ticket
from dsn.security.tokens import TokenError
from dsn.security.users import User, get_user
from dsn.service.context import system_context
from dsn.service.errors import FhirError
from dsn.web.auth_i18n import Translator

router = APIRouter()


@router.get("/oauth/authorize", include_in_schema=False)
async def login_page(request: Request) -> Response:
    t = translator(request)
    try:
        params = single_values(list(request.query_params.multi_items()))
        auth_request = await run_in_threadpool(
            parse_request, params, engine=engine_of(request), settings=settings_of(request), now=now_of(request)
        )
    except RedirectError as exc:
        return redirect_with(exc.redirect_uri, {"error": exc.error, "error_description": exc.description}, exc.state)
    except OAuthError as exc:
        return render(request, "auth/error.html", t, 400, message=None, detail=exc.description)
    return _login_form(request, t, auth_request)


@router.post("/oauth/authorize", include_in_schema=False)
async def login_submit(request: Request) -> Response:
    settings, engine, clock = settings_of(request), engine_of(request), clock_of(request)
    try:
        form = await read_form(request)
    except OAuthError as exc:
        return render(request, "auth/error.html", translator(request), 400, message=None, detail=exc.description)
    t = translator(request, form)
    if not csrf_ok(request, form, settings):
        return render(request, "auth/error.html", t, 403, message=t("csrf_failed"), detail=None)
    now = now_of(request)
    try:
        auth_request = await run_in_threadpool(parse_request, form, engine=engine, settings=settings, now=now)
        if form.get("login_ticket"):
            user = await run_in_threadpool(_ticket_user, request, form, auth_request, now)
        else:
            result = await run_in_threadpool(
                check_login,
                engine,
                settings,
                form.get("username", ""),
                form.get("password", ""),
                form.get("totp"),
                now=now,
            )
            if result.delay:
                await clock.sleep(result.delay)
            await audit_login(
                request, result.user, form.get("username", ""), auth_request.client.client_id, result.outcome
            )
            if result.outcome != OK or result.user is None:
                return _login_failed(request, t, auth_request, form, result.outcome, result.locked_until, now)
            user = result.user
        choice = await run_in_threadpool(choose_patient, auth_request, user, engine, form.get("patient") or None)
        if choice.needs_pick:
            return _picker(request, t, auth_request, user, choice, now, error=False)
        if choice.typed and not await _patient_exists(request, choice.patient):
            return _picker(request, t, auth_request, user, choice, now, error=True)
        code, _ = await run_in_threadpool(
            issue_authorization_code, auth_request, user, choice, engine=engine, settings=settings, now=now
        )
    except RedirectError as exc:
        return redirect_with(exc.redirect_uri, {"error": exc.error, "error_description": exc.description}, exc.state)
    except OAuthError as exc:
        return render(request, "auth/error.html", t, 400, message=None, detail=exc.description)
    except AuditUnavailable:
        return render(request, "auth/error.html", t, 503, message=None, detail="audit log unavailable")
    return redirect_with(auth_request.redirect_uri, {"code": code, "iss": settings.issuer_url()}, auth_request.state)


def redirect_with(redirect_uri: str, params: dict[str, str], state: str | None) -> RedirectResponse:
    """The app's redirect URI with ``params`` (and ``state``) added to its query."""
    if state:
        params = {**params, "state": state}
    parts = urlsplit(redirect_uri)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return RedirectResponse(
        urlunsplit(parts._replace(query=query)), status_code=303, headers={"Cache-Control": "no-store"}
    )


def _carried(auth_request: AuthorizationRequest) -> dict[str, str]:
    return {name: auth_request.params[name] for name in REQUEST_PARAMS if name in auth_request.params}


def _login_form(
    request: Request,
    t: Translator,
    auth_request: AuthorizationRequest,
    *,
    status: int = 200,
    error: str | None = None,
    username: str = "",
    show_totp: bool = False,
) -> Response:
    token = csrf_token(request)
    response = render(
        request,
        "auth/login.html",
        t,
        status,
        params=_carried(auth_request),
        client_name=auth_request.client.name,
        scope_lines=scope_lines(auth_request.scopes, t),
        csrf_token=token,
        error=error,
        username=username,
        show_totp=show_totp,
    )
    set_cookie(response, token, settings_of(request))
    return response


def _login_failed(
    request: Request,
    t: Translator,
    auth_request: AuthorizationRequest,
    form: dict[str, str],
    outcome: str,
    locked_until: int,
    now: int,
) -> Response:
    username = form.get("username", "")
    if outcome == TOTP_REQUIRED:
        return _login_form(request, t, auth_request, error=t(outcome), username=username, show_totp=True)
    if outcome == LOCKED:
        minutes = max(1, -(-(locked_until - now) // 60))
        return _login_form(request, t, auth_request, status=429, error=t(LOCKED, minutes=minutes), username=username)
    return _login_form(
        request, t, auth_request, status=401, error=t(outcome), username=username, show_totp=outcome == TOTP_INVALID
    )


def _ticket_user(request: Request, form: dict[str, str], auth_request: AuthorizationRequest, now: int) -> User:
    try:
        user_id = verify_ticket(
            settings_of(request),
            form["login_ticket"],
            client_id=auth_request.client.client_id,
            code_challenge=auth_request.code_challenge,
            now=now,
        )
    except TokenError as exc:
        raise auth_request.error("access_denied", str(exc)) from None
    user = get_user(engine_of(request), user_id)
    if user is None or not user.active:
        raise auth_request.error("access_denied", "the user account is disabled")
    return user


async def _patient_exists(request: Request, patient_id: str | None) -> bool:
    """Whether the Patient a clinician typed exists (the access policy decides later what they may see)."""
    if not patient_id:
        return False
    try:
        await run_in_threadpool(request.app.state.service.read, system_context(), "Patient", patient_id)
    except FhirError:
        return False
    return True


def _picker(
    request: Request,
    t: Translator,
    auth_request: AuthorizationRequest,
    user: User,
    choice: PatientChoice,
    now: int,
    *,
    error: bool,
) -> Response:
    token = csrf_token(request)
    ticket = issue_ticket(
        settings_of(request),
        user_id=user.id,
        client_id=auth_request.client.client_id,
        code_challenge=auth_request.code_challenge,
        now=now,
    )
    response = render(
        request,
        "auth/pick_patient.html",
        t,
        404 if error else 200,
        params=_carried(auth_request),
        csrf_token=token,
        login_ticket=ticket,
        options=list(choice.options),
        error=t("patient_not_found") if error else None,
    )
    set_cookie(response, token, settings_of(request))
    return response
