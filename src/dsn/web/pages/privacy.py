"""The privacy officer's pages: search the access log, review break-the-glass accesses, check the chain.

* ``GET /app/privacy/`` — search the audit log (patient, user, organization, region,
  action, event type, outcome, break-the-glass only, period), newest first, a page at
  a time by the service's cursor; ``GET /app/privacy/export.csv`` — the same selection
  as CSV.
* ``GET /app/privacy/review`` — the break-the-glass accesses awaiting a decision, one
  card per emergency access (its opening and the reads made under it);
  ``POST /app/privacy/review/episode`` records one decision (justified, not justified,
  needs follow-up) with a comment on each record a card names, and
  ``POST /app/privacy/review/{seq}`` on one record.
* ``GET /app/privacy/integrity`` — the last tamper check of the audit chain and where
  the chain stands; ``POST /app/privacy/integrity`` runs the check again.

Everything goes through :mod:`dsn.service.audit_access` (or, for the chain check,
:mod:`dsn.web.privacy.integrity`), which applies the access policy's rule for the audit
log and audits each use of it: a nurse or a patient gets the 403 page, and every
search, export, review and check is in the log it reads. Service calls block (they
wait for their audit record to be durable), so they run in the thread pool.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response

from dsn.audit.query import DECISIONS
from dsn.service.audit_access import audit_csv, audit_search, review
from dsn.store.clock import to_instant
from dsn.web.clinical.sources import source_names
from dsn.web.page import WebError, WebPage, web_page
from dsn.web.privacy import labels
from dsn.web.privacy.access import require_audit_reader
from dsn.web.privacy.criteria import Criteria
from dsn.web.privacy.events import EventRow, next_cursor, rows_of
from dsn.web.privacy.integrity import chain_state, last_check, run_check
from dsn.web.privacy.people import patient_names, user_display, user_id_for
from dsn.web.privacy.review import parse_seqs, queue_page, reason_and_justification, review_all

router = APIRouter()
PAGE_SIZE = 50
MAX_COMMENT = 2000
CSV_NAME = "journal-acces.csv"


# -- the access log -----------------------------------------------------------------------


@router.get("/app/privacy/", include_in_schema=False)
async def access_search(page: WebPage = Depends(web_page)) -> Response:
    criteria = Criteria.from_query(page.request.query_params)
    if not criteria.ok:
        await page.run(require_audit_reader, page.service, page.ctx)
        return page.render("web/privacy/search.html", status=400, **_search_context(criteria, [], {}, None))
    rows, names, cursor = await page.run(_search, page, criteria)
    places = await page.run(source_names, page.service, [(row.organization, row.region) for row in rows])
    return page.render("web/privacy/search.html", places=places, **_search_context(criteria, rows, names, cursor))


def _search(page: WebPage, criteria: Criteria) -> tuple[list[EventRow], dict[str, str], str | None]:
    agent = criteria.values["agent"]
    params = criteria.service_params(user_id_for(page.engine, agent) if agent else None, count=PAGE_SIZE)
    bundle = audit_search(page.service, page.ctx, params)
    rows = rows_of(bundle)
    names = patient_names(page.service, page.ctx, (p for row in rows for p in row.shown_patients))
    return rows, names, next_cursor(bundle)


def _search_context(
    criteria: Criteria, rows: list[EventRow], names: dict[str, str], cursor: str | None
) -> dict[str, Any]:
    return {
        "criteria": criteria,
        "rows": rows,
        "names": names,
        "next_query": criteria.query(page=cursor) if cursor else None,
        "base_query": criteria.query(),  # the criteria without the page: first page, export
        "labels": labels,
        "split_reason": reason_and_justification,
    }


@router.get("/app/privacy/export.csv", include_in_schema=False)
async def export(page: WebPage = Depends(web_page)) -> Response:
    criteria = Criteria.from_query(page.request.query_params)
    if not criteria.ok:
        await page.run(require_audit_reader, page.service, page.ctx)
        raise WebError(400, "privacy_error_form")
    agent = criteria.values["agent"]

    def _export() -> str:
        params = criteria.service_params(user_id_for(page.engine, agent) if agent else None, paged=False)
        return audit_csv(page.service, page.ctx, params)

    text = await page.run(_export)
    # The byte order mark lets spreadsheet programs read the accents as UTF-8.
    return Response(
        ("\ufeff" + text).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{CSV_NAME}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# -- the break-the-glass review queue -----------------------------------------------------


@router.get("/app/privacy/review", include_in_schema=False)
async def review_page(page: WebPage = Depends(web_page)) -> Response:
    query = page.request.query_params
    pending = query.get("show") != "all"
    cursor = query.get("page") if (query.get("page") or "").isdigit() else None

    def _load() -> dict[str, Any]:
        found = queue_page(page.service, page.ctx, pending=pending, page=cursor)
        rows = [item.row for item in found.items] + [e.opening for e in found.episodes if e.opening is not None]
        names = patient_names(page.service, page.ctx, (p for row in rows for p in row.shown_patients))
        reviewers = {r.reviewed_by for item in found.items for r in item.reviews}
        return {
            "episodes": found.episodes,
            "names": names,
            "places": source_names(page.service, [(row.organization, row.region) for row in rows]),
            "reviewers": {user_id: user_display(page.engine, user_id) for user_id in reviewers},
            "next_query": _review_query(pending, found.next_page) if found.next_page else None,
        }

    reviewed = query.get("reviewed", "")
    return page.render(
        "web/privacy/review.html",
        pending=pending,
        paged=cursor is not None,
        reviewed=int(reviewed) if reviewed.isascii() and reviewed.isdigit() else None,
        decisions=DECISIONS,
        max_comment=MAX_COMMENT,
        labels=labels,
        instant=to_instant,
        **await page.run(_load),
    )


@router.post("/app/privacy/review/episode", include_in_schema=False)
async def review_episode(page: WebPage = Depends(web_page)) -> Response:
    """One decision on every record an episode's card names (``seqs``), each reviewed and audited on its own."""
    form = await page.form()
    decision, comment = _decision(form)
    seqs = parse_seqs(form.get("seqs", ""))
    if seqs is None:
        raise WebError(400, "privacy_error_records")
    count = await page.run(review_all, page.service, page.ctx, seqs, decision, comment)
    return RedirectResponse(_after_review(form, count), 303)


@router.post("/app/privacy/review/{seq:int}", include_in_schema=False)
async def review_decision(seq: int, page: WebPage = Depends(web_page)) -> Response:
    form = await page.form()
    decision, comment = _decision(form)
    await page.run(review, page.service, page.ctx, seq, decision, comment)
    return RedirectResponse(_after_review(form, 1), 303)


def _decision(form: dict[str, str]) -> tuple[str, str | None]:
    decision = form.get("decision", "")
    comment = form.get("comment", "").strip()
    if decision not in DECISIONS:
        raise WebError(400, "privacy_error_decision")
    if len(comment) > MAX_COMMENT:
        raise WebError(400, "privacy_error_comment_too_long")
    return decision, comment or None


def _after_review(form: dict[str, str], count: int) -> str:
    """Back to the queue the officer was working (pending only, or all), saying how many records were decided."""
    return f"/app/privacy/review?{_review_query(form.get('show') != 'all', None, reviewed=str(count))}"


def _review_query(pending: bool, cursor: str | None, **extra: str) -> str:
    pairs = [] if pending else [("show", "all")]
    if cursor:
        pairs.append(("page", cursor))
    pairs += list(extra.items())
    return "&".join(f"{name}={value}" for name, value in pairs)


# -- the audit chain's integrity ----------------------------------------------------------


@router.get("/app/privacy/integrity", include_in_schema=False)
async def integrity(page: WebPage = Depends(web_page)) -> Response:
    def _load() -> dict[str, Any]:
        last = last_check(page.service, page.ctx)  # checks the caller first
        return {"last": last, "state": chain_state(page.service)}

    loaded = await page.run(_load)
    return page.render(
        "web/privacy/integrity.html",
        ran=page.request.query_params.get("ran") == "1",
        labels=labels,
        instant=to_instant,
        **loaded,
    )


@router.post("/app/privacy/integrity", include_in_schema=False)
async def integrity_run(page: WebPage = Depends(web_page)) -> Response:
    await page.form()
    await page.run(run_check, page.service, page.ctx)
    return RedirectResponse("/app/privacy/integrity?ran=1", 303)
