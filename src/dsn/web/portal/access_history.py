"""Who accessed my record: the audit log's AuditEvents, in words a patient reads.

Read through :func:`dsn.service.audit_access.access_log` (the same service call as
``GET /Patient/{id}/$access-log``, itself audited) and interpreted from the AuditEvents
it returns, so the portal says nothing the API would not. A single page view of a
clinician's software often makes several requests' worth of reads in one HTTP request
(a summary is a read and a handful of searches): records sharing a request id and a
person are shown as one line, with the kinds of information it touched.

Break-the-glass accesses are marked. The grant itself carries the reason and the
clinician's justification (``outcomeDesc``); reads made under the grant carry the
``BTG`` purpose of use, and borrow the reason of the same person's grant when it is on
the same page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dsn.audit.record import ORGANIZATION_EXTENSION, REGION_EXTENSION, ROLE_SYSTEM
from dsn.security.roles import CATEGORIES
from dsn.service.audit_access import access_log
from dsn.service.break_glass import REASONS
from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.web.clinical.sources import source_names

EVENTS_PER_FETCH = 100
ROWS_PER_PAGE = 30

_CATEGORY_OF = {res_type: category for category, types in CATEGORIES.items() for res_type in types}
KINDS = (*CATEGORIES, "other")
# What was done, by subtype (restful interaction, operation or security event), as a message suffix.
ACTIONS = {
    "read": "read",
    "vread": "read",
    "search-type": "search",
    "search-system": "search",
    "search-compartment": "search",
    "search": "search",
    "history-instance": "history",
    "history-type": "history",
    "history-system": "history",
    "history": "history",
    "create": "create",
    "update": "update",
    "patch": "update",
    "delete": "delete",
    "$everything": "everything",
    "$lastn": "lastn",
    "$access-log": "access_log",
    "break-glass": "break_glass",
    "consent": "consent",
    "review": "review",
    "export": "export",
    "transaction": "update",
    "batch": "update",
}
ACTION_WORDS = (*sorted(set(ACTIONS.values())), "operation")
# When one line groups several records, the most telling one names the line.
_WEIGHT = {
    "break_glass": 9,
    "delete": 8,
    "consent": 7,
    "update": 6,
    "create": 5,
    "review": 4,
    "everything": 3,
    "export": 3,
    "history": 2,
    "read": 1,
    "lastn": 1,
    "access_log": 1,
    "search": 0,
    "operation": 0,
}
REVIEW_DECISIONS = {"justified": "justified", "not-justified": "not_justified", "needs-follow-up": "needs_follow_up"}
_BTG_SUBTYPE = "110127"


@dataclass(slots=True)
class Access:
    """One line of the history: one person, one request (one or more audit records)."""

    when: str
    who: str
    user_id: str
    is_you: bool
    practitioner: str | None  # Practitioner/… when the person has one
    role: str | None
    organization: str | None  # a name when the directory has one
    region: str | None
    action: str  # one of ACTION_WORDS
    kinds: list[str] = field(default_factory=list)  # one of KINDS each
    break_glass: bool = False
    reason: str | None = None  # a REASONS code
    justification: str | None = None
    review: str | None = None  # one of REVIEW_DECISIONS' values
    refused: bool = False
    records: int = 1
    request_id: str = ""


@dataclass(slots=True)
class AccessHistory:
    rows: list[Access]
    next_cursor: str | None
    hidden_own: bool


def access_history(
    service: RecordService,
    ctx: RequestContext,
    patient_id: str,
    *,
    user_id: str,
    cursor: str | None,
    include_own: bool,
) -> AccessHistory:
    """A page of accesses, newest first; ``cursor`` continues where the previous page stopped."""
    params = {"_count": str(EVENTS_PER_FETCH)}
    if not include_own:
        params["exclude-self"] = "true"  # filtered in the query: one read however often I visit
    if cursor:
        params["_page"] = cursor
    bundle = access_log(service, ctx, patient_id, params)
    events: list[dict[str, Any]] = [entry["resource"] for entry in bundle.get("entry") or []]
    cursor = next_cursor(bundle)
    rows = [row for row in group(events, user_id) if include_own or not row.is_you]
    _name_places(service, rows)
    _borrow_reasons(rows)
    return AccessHistory(rows, cursor, hidden_own=not include_own)


def next_cursor(bundle: dict[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if link.get("relation") == "next":
            values = parse_qs(urlsplit(str(link.get("url", ""))).query).get("_page")
            return values[0] if values else None
    return None


def group(events: list[dict[str, Any]], user_id: str) -> list[Access]:
    """One line per (person, request), in the log's order (newest first)."""
    rows: list[Access] = []
    for event in events:
        row = interpret(event, user_id)
        last = rows[-1] if rows else None
        if last is not None and row.request_id and row.request_id == last.request_id and row.user_id == last.user_id:
            _merge(last, row)
        else:
            rows.append(row)
    return rows


def interpret(event: dict[str, Any], user_id: str) -> Access:
    """One AuditEvent in words."""
    agent = _requestor(event)
    who = agent.get("who") or {}
    identifier = who.get("identifier") or {}
    subject = str(identifier.get("value") or "")
    role = next(
        (
            c.get("code")
            for r in agent.get("role") or []
            for c in r.get("coding") or []
            if c.get("system") == ROLE_SYSTEM
        ),
        None,
    )
    organization = region = None
    for extension in agent.get("extension") or []:
        if extension.get("url") == ORGANIZATION_EXTENSION:
            organization = str((extension.get("valueReference") or {}).get("reference", "")).removeprefix(
                "Organization/"
            )
        elif extension.get("url") == REGION_EXTENSION:
            region = extension.get("valueCode")
    subtype = _subtype(event)
    action = ACTIONS.get(subtype) or ("operation" if subtype.startswith("$") else _by_action(event.get("action")))
    purposes = {c.get("code") for p in event.get("purposeOfEvent") or [] for c in p.get("coding") or []}
    row = Access(
        when=str(event.get("recorded") or ""),
        who=str(who.get("display") or subject),
        user_id=subject,
        is_you=bool(subject) and subject == user_id,
        practitioner=_practitioner(who.get("reference")),
        role=role,
        organization=organization or None,
        region=region,
        action=action,
        kinds=_kinds(event, action),
        break_glass="BTG" in purposes or subtype == "break-glass",
        refused=str(event.get("outcome", "0")) != "0",
        request_id=_request_id(event),
    )
    detail = event.get("outcomeDesc")
    if isinstance(detail, str) and subtype == "break-glass":
        code, _, justification = detail.partition(": ")
        if code in REASONS:
            row.reason, row.justification = code, justification or None
    elif isinstance(detail, str) and subtype == "review":
        row.review = REVIEW_DECISIONS.get(detail.partition(": ")[0])
    return row


def _requestor(event: dict[str, Any]) -> dict[str, Any]:
    agents = [a for a in event.get("agent") or [] if isinstance(a, dict)]
    return next((a for a in agents if a.get("requestor")), agents[0] if agents else {})


def _practitioner(reference: Any) -> str | None:
    if isinstance(reference, str) and reference.startswith("Practitioner/") and reference.count("/") == 1:
        return reference
    return None


def _subtype(event: dict[str, Any]) -> str:
    """The most specific subtype code: an operation's name, else the interaction or event."""
    codes = [c for c in event.get("subtype") or [] if isinstance(c, dict)]
    for coding in codes:
        if str(coding.get("code", "")).startswith("$"):
            return str(coding["code"])
    if any(c.get("code") == _BTG_SUBTYPE for c in codes):
        return "break-glass"
    return str(codes[0].get("code", "")) if codes else ""


def _by_action(action: Any) -> str:
    return {"C": "create", "R": "read", "U": "update", "D": "delete"}.get(str(action), "operation")


def _kinds(event: dict[str, Any], action: str) -> list[str]:
    kinds: list[str] = []
    person_only = True
    for entity in event.get("entity") or []:
        reference = str((entity.get("what") or {}).get("reference") or "")
        role = (entity.get("role") or {}).get("code")
        if not reference or role == "24":  # 24: the query of a search
            continue
        res_type = reference.split("/")[0]
        if role == "1":  # the patient, as a person
            continue
        person_only = False
        kind = _CATEGORY_OF.get(res_type, "other")
        if kind not in kinds:
            kinds.append(kind)
    if person_only and action in ("read", "search", "history", "update", "create"):
        kinds.append("demographics")
    return kinds


def _request_id(event: dict[str, Any]) -> str:
    for entity in event.get("entity") or []:
        if (entity.get("type") or {}).get("code") == "XrequestId":
            return str((entity.get("what") or {}).get("identifier", {}).get("value") or "")
    return ""


def _user_id(event: dict[str, Any]) -> str:
    return str(((_requestor(event).get("who") or {}).get("identifier") or {}).get("value") or "")


def _merge(into: Access, other: Access) -> None:
    into.records += 1
    if _WEIGHT.get(other.action, 0) > _WEIGHT.get(into.action, 0):
        into.action = other.action
    into.kinds.extend(kind for kind in other.kinds if kind not in into.kinds)
    into.break_glass = into.break_glass or other.break_glass
    into.refused = into.refused or other.refused
    into.reason = into.reason or other.reason
    into.justification = into.justification or other.justification
    into.review = into.review or other.review
    into.when = max(into.when, other.when)


def _name_places(service: RecordService, rows: list[Access]) -> None:
    """Organization and region names from the directory (one lookup for the page)."""
    names = source_names(service, [(row.organization, row.region) for row in rows])
    for row in rows:
        source = names.of(row.organization, row.region)
        row.organization, row.region = source.organization, source.region


def _borrow_reasons(rows: list[Access]) -> None:
    """Reads under an emergency grant show the reason of that person's grant (older, so further down)."""
    for index, row in enumerate(rows):
        if not row.break_glass or row.reason:
            continue
        grant = next((r for r in rows[index + 1 :] if r.user_id == row.user_id and r.reason), None)
        if grant is not None:
            row.reason, row.justification = grant.reason, grant.justification
