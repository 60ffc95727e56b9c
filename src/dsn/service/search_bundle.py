"""Search results as a ``searchset`` Bundle: entries, links, totals, summaries."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dsn.fhir.definitions import summary_elements
from dsn.fhir.outcome import OutcomeIssue, operation_outcome
from dsn.service.results import SearchOutcome
from dsn.store.records import StoredResource

SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "Resource encoded in summary mode",
}
ALWAYS_KEPT = {"resourceType", "id", "meta"}


def search_bundle(
    base_url: str,
    res_type: str | None,
    outcome: SearchOutcome,
    request_pairs: list[tuple[str, str]],
    *,
    path: str | None = None,
) -> dict[str, Any]:
    """Build the Bundle; ``path`` overrides the link path (compartment searches)."""
    query, result = outcome.query, outcome.result
    base = base_url.rstrip("/")
    link_path = path or (res_type or "")
    self_url = _url(base, link_path, query.applied)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if result.total is not None:
        bundle["total"] = result.total
    links = [{"relation": "self", "url": self_url}]
    if result.next_cursor:
        links.append(
            {"relation": "next", "url": _url(base, link_path, [*query.applied, ("_page", result.next_cursor)])}
        )
    if result.previous_cursor:
        links.append(
            {"relation": "previous", "url": _url(base, link_path, [*query.applied, ("_page", result.previous_cursor)])}
        )
    bundle["link"] = links
    entries = [_entry(base, item, "match", query.summary, query.elements) for item in result.matches]
    entries += [_entry(base, item, "include", query.summary, query.elements) for item in result.included]
    if query.issues:
        issues = [
            OutcomeIssue("warning", "not-supported", f"parameter '{i.name}' ignored: {i.message}", (i.name,))
            for i in query.issues
        ]
        entries.append({"resource": operation_outcome(issues), "search": {"mode": "outcome"}})
    if entries:
        bundle["entry"] = entries
    return bundle


def _url(base: str, path: str, pairs: list[tuple[str, str]]) -> str:
    url = f"{base}/{path}" if path else base
    return f"{url}?{urlencode(pairs)}" if pairs else url


def _entry(
    base: str, item: StoredResource, mode: str, summary: str | None, elements: tuple[str, ...]
) -> dict[str, Any]:
    body = item.resource or {}
    if summary in ("true", "text", "data") or elements:
        body = subset(body, summary, elements)
    return {
        "fullUrl": f"{base}/{item.res_type}/{item.res_id}",
        "resource": body,
        "search": {"mode": mode},
    }


def subset(body: dict[str, Any], summary: str | None, elements: tuple[str, ...]) -> dict[str, Any]:
    """Apply ``_summary`` / ``_elements``, marking the result SUBSETTED as the spec requires."""
    res_type = body.get("resourceType", "")
    if summary == "data":
        kept = {k: v for k, v in body.items() if k != "text"}
    elif summary == "text":
        kept = {k: v for k, v in body.items() if k in ALWAYS_KEPT or k == "text"}
    elif summary == "true":
        allowed = summary_elements(res_type)
        kept = {k: v for k, v in body.items() if k in ALWAYS_KEPT or _base_name(k) in allowed}
    else:
        wanted = {e.split(".")[-1] for e in elements}
        kept = {k: v for k, v in body.items() if k in ALWAYS_KEPT or _base_name(k) in wanted}
    if summary == "data":
        return kept
    meta = dict(kept.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    kept["meta"] = meta
    return kept


def _base_name(key: str) -> str:
    """``valueQuantity`` → ``value[x]``-style base for summary lookups; ``_birthDate`` → ``birthDate``."""
    return key.lstrip("_")
