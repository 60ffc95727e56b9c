"""The patient portal (``/app/portal/``): my record, my lab results, who accessed my record,
sharing choices, download. Patients only; each page works on the patient chosen at login.

Pages stay thin: the work is in :mod:`dsn.web.portal`, run in the thread pool because
the service is synchronous (and waits for the audit log to be durable). Forms are
CSRF-checked (``page.form()``) and answered with a redirect to the page and a
confirmation (303), so reloading never posts twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response

from dsn.service.context import RequestContext
from dsn.service.errors import FhirError
from dsn.service.records import RecordService
from dsn.web.clinical.consent_status import CATEGORY_LABELS
from dsn.web.clinical.labs import lab_history, trend_chart
from dsn.web.clinical.summary import load_summary
from dsn.web.page import WebError
from dsn.web.portal import consent_forms
from dsn.web.portal.access_history import access_history
from dsn.web.portal.consent_forms import Change, Choices, load_choices, performer
from dsn.web.portal.context import Portal, Whose, portal_page, record_absent, whose_record
from dsn.web.portal.download import MEDIA_TYPE, file_name, record_file
from dsn.web.portal.lab_list import MAX_PARAM, lab_tests, trend_href
from dsn.web.portal.sharing_options import ActorOptions, actor_options
from dsn.web.rendering import PAGE_HEADERS

router = APIRouter()
Decider = dict[str, Any]  # Consent.performer: who made the choice
Action = Callable[[RecordService, RequestContext, str, Decider], Change]
SHARING = "/app/portal/sharing"
# Confirmations after a change (``?done=``), each a message key ``portal_done_<name>``.
DONE = ("refused", "refusal_withdrawn", "categories_saved", "actor_restricted", "withdrawn", "unchanged")


@router.get("/app/portal/", include_in_schema=False)
async def summary(portal: Portal = Depends(portal_page)) -> Response:
    page = portal.page
    try:
        data = await page.run(load_summary, page.service, page.ctx, portal.patient_id)
    except FhirError as error:
        if not record_absent(error):
            raise
        data = None  # an account whose record DSN has not received yet: a page that says so, not an error
    return page.render("web/portal/summary.html", summary=data, portal=portal, lab_href=trend_href)


@router.get("/app/portal/labs", include_in_schema=False)
async def labs(portal: Portal = Depends(portal_page)) -> Response:
    page = portal.page
    whose, found = await page.run(
        lambda: (
            whose_record(page.service, page.ctx, portal),
            lab_tests(page.service, page.ctx, portal.patient_id),
        )
    )
    return page.render("web/portal/labs.html", whose=whose, labs=found)


@router.get("/app/portal/labs/trend", include_in_schema=False)
async def trend(portal: Portal = Depends(portal_page), system: str = "", code: str = "") -> Response:
    page = portal.page
    if not system or not code or len(system) > MAX_PARAM or len(code) > MAX_PARAM or "|" in system:
        raise WebError(400, "portal_error_trend_params")
    whose, items = await page.run(
        lambda: (
            whose_record(page.service, page.ctx, portal),
            lab_history(page.service, page.ctx, portal.patient_id, system, code),
        )
    )
    title = items[-1].text if items and items[-1].text else code
    chart = trend_chart(items, page.t)
    return page.render("web/portal/trend.html", whose=whose, items=items, chart=chart, title=title)


@router.get("/app/portal/access", include_in_schema=False)
async def access(portal: Portal = Depends(portal_page), before: str | None = None, mine: str | None = None) -> Response:
    page = portal.page
    if before is not None and not before.isdigit():
        raise WebError(400, "error_bad_request")
    include_own = mine == "1"
    whose, history = await page.run(
        lambda: (
            whose_record(page.service, page.ctx, portal),
            access_history(
                page.service,
                page.ctx,
                portal.patient_id,
                user_id=page.user.id,
                cursor=before,
                include_own=include_own,
            ),
        )
    )
    return page.render(
        "web/portal/access.html", whose=whose, history=history, include_own=include_own, first_page=before is None
    )


@router.get("/app/portal/sharing", include_in_schema=False)
async def sharing(portal: Portal = Depends(portal_page), done: str | None = None) -> Response:
    page = portal.page

    def load() -> tuple[Whose, Choices, ActorOptions]:
        choices = load_choices(page.service, page.ctx, portal.patient_id)
        options = actor_options(page.service, page.ctx, portal.patient_id, exclude=choices.actors)
        return whose_record(page.service, page.ctx, portal), choices, options

    whose, choices, options = await page.run(load)
    return page.render(
        "web/portal/sharing.html",
        whose=whose,
        choices=choices,
        options=options,
        categories=CATEGORY_LABELS,
        done=done if done in DONE else None,
    )


@router.post("/app/portal/sharing/refusal", include_in_schema=False)
async def refusal(portal: Portal = Depends(portal_page)) -> Response:
    form = await portal.page.form()
    choice = form.get("choice")
    if choice == "refuse":
        if form.get("confirm") != "on":
            # Refusing hides the whole record from every clinician: never on a stray click.
            raise WebError(400, "portal_refusal_confirm_required")
        return await _change(portal, consent_forms.refuse_all, "refused")
    if choice == "withdraw":
        return await _change(portal, consent_forms.withdraw_refusal, "refusal_withdrawn")
    raise WebError(400, "error_bad_request")


@router.post("/app/portal/sharing/categories", include_in_schema=False)
async def categories(portal: Portal = Depends(portal_page)) -> Response:
    form = await portal.page.form()
    wanted = {label for label in CATEGORY_LABELS if form.get(f"category_{label}") == "on"}

    def save(service: RecordService, ctx: RequestContext, patient_id: str, decided_by: Decider) -> Change:
        return consent_forms.set_categories(service, ctx, patient_id, decided_by, wanted)

    return await _change(portal, save, "categories_saved")


@router.post("/app/portal/sharing/actors", include_in_schema=False)
async def actors(portal: Portal = Depends(portal_page)) -> Response:
    form = await portal.page.form()
    reference = form.get("actor", "")
    if not consent_forms.valid_actor(reference):
        raise WebError(400, "portal_error_actor")

    def restrict(service: RecordService, ctx: RequestContext, patient_id: str, decided_by: Decider) -> Change:
        option = actor_options(service, ctx, patient_id).find(reference)
        if option is None:
            raise WebError(400, "portal_error_actor")
        return consent_forms.restrict_actor(service, ctx, patient_id, decided_by, reference, option.name)

    return await _change(portal, restrict, "actor_restricted")


@router.post("/app/portal/sharing/withdraw", include_in_schema=False)
async def withdraw(portal: Portal = Depends(portal_page)) -> Response:
    form = await portal.page.form()
    consent_id, rule = form.get("consent", ""), form.get("rule", "")
    if not consent_id or not rule:
        raise WebError(400, "error_bad_request")

    def run(service: RecordService, ctx: RequestContext, patient_id: str, decided_by: Decider) -> Change:
        change = consent_forms.withdraw_choice(service, ctx, patient_id, decided_by, consent_id, rule)
        if change is None:
            raise WebError(404, "error_not_found")
        return change

    return await _change(portal, run, "withdrawn")


async def _change(portal: Portal, action: Action, done: str) -> Response:
    page = portal.page
    decided_by = performer(page.user, portal.patient_id)
    change = await page.run(action, page.service, page.ctx, portal.patient_id, decided_by)
    return RedirectResponse(f"{SHARING}?done={done if change.changed else 'unchanged'}", 303)


@router.get("/app/portal/download", include_in_schema=False)
async def download(portal: Portal = Depends(portal_page)) -> Response:
    page = portal.page
    whose = await page.run(whose_record, page.service, page.ctx, portal)
    return page.render("web/portal/download.html", whose=whose, file_name=file_name(portal.patient_id))


@router.get("/app/portal/download/dossier.json", include_in_schema=False)
async def download_file(portal: Portal = Depends(portal_page)) -> Response:
    page = portal.page
    body = await page.run(record_file, page.service, page.ctx, portal.patient_id)
    headers = {
        "Content-Disposition": f'attachment; filename="{file_name(portal.patient_id)}"',
        "Cache-Control": PAGE_HEADERS["Cache-Control"],
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
