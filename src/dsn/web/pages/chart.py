"""The clinician chart: find a patient, read the summary, a lab test's trend, break the glass.

* ``GET /app/chart/`` — the patient search (name, NAM, birth date, record number; AND);
* ``GET /app/chart/patient/{id}`` — banner and one summary screen, each item with its
  source; the consent notice, the emergency-access notice while a grant is open, and
  the way to break the glass when the patient's choices withhold something from the
  user and the role may;
* ``GET /app/chart/patient/{id}/lab?system=&code=`` — one test's results as a trend chart
  with the reference range, and the same values in a table with their sources;
* ``GET|POST /app/chart/patient/{id}/break-glass`` — the reason and justification form;
  a grant sends the user back to the chart, which then shows everything until it ends.

Every read goes through the service with the user's own context (the policy, consent
filter and audit apply as for an API call). Service calls block until their audit
record is durable, so they run in the thread pool.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response

from dsn.service.break_glass import Grant, break_glass
from dsn.service.errors import FhirError
from dsn.web.chart.emergency import (
    MIN_JUSTIFICATION,
    Withheld,
    active_grant,
    can_break_glass,
    reason_choices,
    until_text,
    withheld_from,
)
from dsn.web.chart.search import PatientQuery, SearchResults, find_patients
from dsn.web.clinical.labs import lab_history, trend_chart
from dsn.web.clinical.summary import Banner, Item, Summary, load_banner, load_summary
from dsn.web.page import WebError, WebPage, web_page

router = APIRouter()
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
MAX_CODE = 255
MAX_JUSTIFICATION = 2000


def chart_href(patient_id: str) -> str:
    return f"/app/chart/patient/{patient_id}"


def lab_href(patient_id: str, item: Item) -> str:
    if item.code is None:
        return ""
    system, code = item.code
    return f"{chart_href(patient_id)}/lab?{urlencode({'system': system, 'code': code})}"


def _patient_id(value: str) -> str:
    """A FHIR id, or the page does not exist (it also goes into links we build)."""
    if not _ID.match(value):
        raise WebError(404, "error_not_found")
    return value


# -- search --------------------------------------------------------------------------------


@router.get("/app/chart/", include_in_schema=False)
async def search(page: WebPage = Depends(web_page)) -> Response:
    query = PatientQuery.from_params(page.request.query_params)
    results: SearchResults | None = None
    if query.ready:
        results = await page.run(find_patients, page.service, page.ctx, query)
    status = 400 if query.errors else 200
    return page.render("web/chart/search.html", status=status, query=query, results=results, chart_href=chart_href)


# -- the summary ---------------------------------------------------------------------------


@router.get("/app/chart/patient/{patient_id}", include_in_schema=False)
async def patient(patient_id: str, page: WebPage = Depends(web_page)) -> Response:
    patient_id = _patient_id(patient_id)
    summary, grant = await page.run(_load_chart, page, patient_id)
    context = _protection(page, summary.banner, grant)
    return page.render(
        "web/chart/patient.html",
        summary=summary,
        banner=summary.banner,
        lab_href=lambda item: lab_href(patient_id, item),
        **context,
    )


def _load_chart(page: WebPage, patient_id: str) -> tuple[Summary, Grant | None]:
    summary = load_summary(page.service, page.ctx, patient_id)
    return summary, active_grant(page.service, page.ctx, patient_id)


def _protection(page: WebPage, banner: Banner, grant: Grant | None) -> dict[str, Any]:
    """What the patient's choices hide from this user, and what the page offers about it."""
    withheld = withheld_from(banner.consent, page.caller) if banner.consent_known else Withheld()
    hidden = withheld.any and grant is None
    if withheld.record and grant is None:
        banner.allergies_known = False  # an empty allergy list would read "no known allergies"
    return {
        "record_hidden": withheld.record and grant is None,
        "offer_break_glass": hidden and can_break_glass(page.caller),
        "grant_until": until_text(grant, page.t) if grant else None,
        "patient_id": banner.patient_id,
    }


# -- a lab test's history --------------------------------------------------------------------


@router.get("/app/chart/patient/{patient_id}/lab", include_in_schema=False)
async def lab(patient_id: str, page: WebPage = Depends(web_page)) -> Response:
    patient_id = _patient_id(patient_id)
    system = page.request.query_params.get("system", "").strip()
    code = page.request.query_params.get("code", "").strip()
    if not system or not code or len(system) > MAX_CODE or len(code) > MAX_CODE:
        raise WebError(400, "lab_error_test")
    banner, items, grant = await page.run(_load_lab, page, patient_id, system, code)
    latest = items[-1] if items else None
    title = latest.text if latest and latest.text else code
    return page.render(
        "web/chart/lab.html",
        banner=banner,
        items=items,
        chart=trend_chart(items, page.t),
        title=title,
        latest=latest,
        **_protection(page, banner, grant),
    )


def _load_lab(page: WebPage, patient_id: str, system: str, code: str) -> tuple[Banner, list[Item], Grant | None]:
    banner = load_banner(page.service, page.ctx, patient_id)
    items = lab_history(page.service, page.ctx, patient_id, system, code)
    return banner, items, active_grant(page.service, page.ctx, patient_id)


# -- break-the-glass -------------------------------------------------------------------------


@router.get("/app/chart/patient/{patient_id}/break-glass", include_in_schema=False)
async def break_glass_form(patient_id: str, page: WebPage = Depends(web_page)) -> Response:
    patient_id = _patient_id(patient_id)
    banner, grant = await page.run(_load_banner, page, patient_id)
    if not can_break_glass(page.caller):
        return _form(page, banner, grant, status=403, problem_key="btg_error_role")
    return _form(page, banner, grant)


@router.post("/app/chart/patient/{patient_id}/break-glass", include_in_schema=False)
async def break_glass_submit(patient_id: str, page: WebPage = Depends(web_page)) -> Response:
    patient_id = _patient_id(patient_id)
    form = await page.form()
    reason = form.get("reason", "")
    justification = form.get("justification", "")[:MAX_JUSTIFICATION]
    values = {"reason": reason, "justification": justification}
    if not can_break_glass(page.caller):
        banner, grant = await page.run(_load_banner, page, patient_id)
        return _form(page, banner, grant, status=403, problem_key="btg_error_role", values=values)
    errors: dict[str, str] = {}
    if reason not in dict(reason_choices(page.t)):
        errors["reason"] = "btg_error_reason"
    if len(justification.strip()) < MIN_JUSTIFICATION:
        errors["justification"] = "btg_error_justification"
    if errors:
        banner, grant = await page.run(_load_banner, page, patient_id)
        return _form(page, banner, grant, status=400, errors=errors, values=values)
    try:
        await page.run(break_glass, page.service, page.ctx, patient_id, reason, justification)
    except FhirError as exc:
        if exc.status not in (400, 403, 422):
            raise
        banner, grant = await page.run(_load_banner, page, patient_id)
        problem_key = "btg_error_role" if exc.status == 403 else "btg_error_refused"
        return _form(page, banner, grant, status=exc.status, problem_key=problem_key, values=values)
    return RedirectResponse(chart_href(patient_id), 303)


def _load_banner(page: WebPage, patient_id: str) -> tuple[Banner, Grant | None]:
    banner = load_banner(page.service, page.ctx, patient_id)
    return banner, active_grant(page.service, page.ctx, patient_id)


def _form(
    page: WebPage,
    banner: Banner,
    grant: Grant | None,
    *,
    status: int = 200,
    problem_key: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    return page.render(
        "web/chart/break_glass.html",
        status=status,
        banner=banner,
        reasons=reason_choices(page.t),
        min_justification=MIN_JUSTIFICATION,
        max_justification=MAX_JUSTIFICATION,
        hours=page.settings.break_glass_hours,
        allowed=can_break_glass(page.caller),
        problem=problem_key,
        errors=errors or {},
        values=values or {"reason": "", "justification": ""},
        **_protection(page, banner, grant),
    )
