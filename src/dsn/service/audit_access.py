"""Reading the audit log: a patient's "who accessed my record", and privacy officers' tools.

Both go through the access policy like every other read, and reading the log is itself
audited. A patient (or the parent of a child under 14) sees the accesses to their own
record; privacy officers (role matrix: ``audit`` category) search the whole log, export
it as CSV and work the break-the-glass review queue.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

from dsn.audit.query import DECISIONS, AuditFilter, AuditPage, break_glass_queue, export_csv, review_break_glass, search
from dsn.audit.record import Agent, AuditRecord
from dsn.service.context import RequestContext
from dsn.service.errors import FhirError, invalid, not_found
from dsn.service.records import RecordService
from dsn.store.search.values import SearchValueError, date_range, split_prefix

FILTER_PARAMS = {
    "patient": "patient",
    "agent": "user",
    "organization": "organization",
    "region": "region",
    "action": "action",
    "subtype": "subtype",
}


def access_log(service: RecordService, ctx: RequestContext, patient_id: str, params: dict[str, str]) -> dict[str, Any]:
    """Every access to ``patient_id``'s record, newest first, as a Bundle of AuditEvents.

    ``exclude-self=true`` leaves out the caller's own accesses (a patient's own portal
    visits would otherwise bury everyone else's).
    """
    caller = ctx.caller
    with service._refusals(ctx, "$access-log", "Patient", f"Patient/{patient_id}"):
        if caller.is_patient:
            if patient_id not in caller.patients:
                raise not_found("Patient", patient_id)
        else:
            service.access.require(ctx, "search", "AuditEvent")
        exclude = caller.subject if params.get("exclude-self") == "true" else None
        page = _search(service, AuditFilter(patient=patient_id, exclude_user=exclude), params)
    service.auditor.durable(
        AuditRecord.for_request(ctx, "$access-log", patient_ids=[patient_id], resource_type="AuditEvent")
    )
    return _bundle(service, f"Patient/{patient_id}/$access-log", params, page)


def audit_search(service: RecordService, ctx: RequestContext, params: dict[str, str]) -> dict[str, Any]:
    """``GET /AuditEvent`` for privacy officers: by patient, user, organization, region, action, period."""
    with service._refusals(ctx, "search-type", "AuditEvent"):
        service.access.require(ctx, "search", "AuditEvent")
        page = _search(service, audit_filter(params), params)
    patients = sorted({p for entry in page.entries for p in entry.record.patient_ids})
    service.auditor.durable(
        AuditRecord.for_request(
            ctx,
            "search-type",
            patient_ids=patients,
            resource_type="AuditEvent",
            query=urlencode(sorted(params.items())),
        )
    )
    return _bundle(service, "AuditEvent", params, page)


def audit_csv(service: RecordService, ctx: RequestContext, params: dict[str, str]) -> str:
    with service._refusals(ctx, "export", "AuditEvent"):
        service.access.require(ctx, "search", "AuditEvent")
        selection = audit_filter(params)
        out = io.StringIO()
        with service.store.read() as session:
            rows = export_csv(session.conn, selection, out)
    service.auditor.durable(
        AuditRecord.for_request(
            ctx, "export", resource_type="AuditEvent", query=urlencode(sorted(params.items())), detail=f"{rows} rows"
        )
    )
    return out.getvalue()


def review_queue(service: RecordService, ctx: RequestContext, params: dict[str, str]) -> dict[str, Any]:
    """Break-the-glass records awaiting a final decision (all of them with ``pending=false``)."""
    with service._refusals(ctx, "search-type", "AuditEvent"):
        service.access.require(ctx, "search", "AuditEvent")
        count = _count(params)
        cursor = _cursor(params)
        with service.store.read() as session:
            page = break_glass_queue(
                session.conn, pending_only=params.get("pending", "true") != "false", cursor=cursor, count=count
            )
    service.auditor.durable(AuditRecord.for_request(ctx, "$break-glass-queue", resource_type="AuditEvent"))
    return _bundle(service, "AuditEvent/$break-glass-queue", params, page)


def review(service: RecordService, ctx: RequestContext, seq: int, decision: str, comment: str | None) -> dict[str, Any]:
    """A privacy officer's decision on one break-the-glass record (itself audited)."""
    with service._refusals(ctx, "review", "AuditEvent", f"AuditEvent/{seq}"):
        service.access.require(ctx, "search", "AuditEvent")
        if ctx.caller.kind == "user" and ctx.caller.role != "privacy_officer":
            raise FhirError(403, "forbidden", "only privacy officers review break-the-glass accesses")
        if decision not in DECISIONS:
            raise invalid(f"decision must be one of {', '.join(DECISIONS)}", "Parameters.parameter")
        try:
            done = review_break_glass(
                service.audit_log,
                seq,
                decision=decision,
                reviewer=Agent.from_context(ctx),
                comment=comment,
                request_id=ctx.request_id,
            )
        except (KeyError, LookupError, ValueError) as exc:
            raise FhirError(404, "not-found", f"no break-the-glass record {seq}: {exc}") from None
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "record", "valueReference": {"reference": f"AuditEvent/{seq}"}},
            {"name": "decision", "valueCode": done.decision},
            {"name": "reviewer", "valueString": done.reviewed_by},
        ],
    }


def audit_filter(params: dict[str, str]) -> AuditFilter:
    values: dict[str, Any] = {field: params[name] for name, field in FILTER_PARAMS.items() if params.get(name)}
    if "break-glass" in params:
        values["break_glass"] = params["break-glass"] == "true"
    if "outcome" in params:
        if not params["outcome"].isdigit():
            raise invalid("outcome must be 0, 4, 8 or 12", "outcome")
        values["outcome"] = int(params["outcome"])
    for raw in [v for k, v in params.items() if k == "date"] + [
        params[k] for k in ("date-ge", "date-lt") if k in params
    ]:
        prefix, value = split_prefix(raw)
        try:
            span = date_range(value)
        except SearchValueError as exc:
            raise invalid(str(exc), "date") from None
        if prefix in ("ge", "gt", "sa", "eq"):
            values["since"] = span.low if prefix != "gt" else span.high + 1
        if prefix in ("le", "lt", "eb", "eq"):
            values["until"] = span.high + 1 if prefix in ("le", "eq") else span.low
    return AuditFilter(**values)


def _search(service: RecordService, selection: AuditFilter, params: dict[str, str]) -> AuditPage:
    with service.store.read() as session:
        return search(session.conn, selection, cursor=_cursor(params), count=_count(params))


def _count(params: dict[str, str]) -> int:
    raw = params.get("_count", "50")
    if not raw.isdigit() or int(raw) < 1:
        raise invalid("_count must be a positive integer", "_count")
    return min(int(raw), 1000)


def _cursor(params: dict[str, str]) -> int | None:
    raw = params.get("_page")
    if raw is None:
        return None
    if not raw.isdigit():
        raise invalid(f"invalid _page token '{raw}'", "_page")
    return int(raw)


def _bundle(service: RecordService, path: str, params: dict[str, str], page: AuditPage) -> dict[str, Any]:
    base = service.settings.base_url.rstrip("/")
    kept = [(k, v) for k, v in params.items() if k != "_page"]
    links = [{"relation": "self", "url": f"{base}/{path}" + (f"?{urlencode(list(params.items()))}" if params else "")}]
    if page.next_cursor is not None:
        links.append(
            {"relation": "next", "url": f"{base}/{path}?{urlencode([*kept, ('_page', str(page.next_cursor))])}"}
        )
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if page.entries:
        bundle["entry"] = [
            {"fullUrl": f"{base}/AuditEvent/{e.seq}", "resource": e.to_event(), "search": {"mode": "match"}}
            for e in page.entries
        ]
    return bundle
