"""Search results as a ``searchset`` Bundle: entries, links, totals, summaries."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

from dsn.fhir.definitions import struct_elements, summary_elements
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
    """Apply ``_summary`` / ``_elements``, marking the result SUBSETTED as the spec requires.

    Every form but ``_summary=false`` leaves out part of the resource, so every one is
    tagged: a client must not mistake it for the whole resource and write it back.
    Mandatory top-level elements are kept by ``text`` and ``_elements`` (the spec says
    servers should always return them).
    """
    res_type = body.get("resourceType", "")
    names = _element_names(res_type)
    if summary == "data":
        kept = {k: v for k, v in body.items() if k != "text"}
    else:
        if summary == "true":
            wanted = set(summary_elements(res_type))
        elif summary == "text":
            wanted = {"text", *_mandatory(res_type)}
        else:
            wanted = {_top_element(e, res_type) for e in elements} | _mandatory(res_type)
        kept = {k: v for k, v in body.items() if k in ALWAYS_KEPT or names.get(k.lstrip("_"), k) in wanted}
    meta = dict(kept.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    kept["meta"] = meta
    return kept


def _top_element(path: str, res_type: str) -> str:
    """``birthDate``, ``Patient.birthDate`` or ``name.family`` → the top-level element named."""
    steps = path.split(".")
    if len(steps) > 1 and steps[0] == res_type:
        steps = steps[1:]
    return steps[0]


@cache
def _element_names(res_type: str) -> dict[str, str]:
    """JSON property → element name: ``valueQuantity`` → ``value``, ``birthDate`` → itself."""
    names: dict[str, str] = {}
    for name, info in (struct_elements(res_type) or {}).items():
        for json_name in info.json_names():
            names[json_name] = name
    return names


@cache
def _mandatory(res_type: str) -> frozenset[str]:
    return frozenset(name for name, info in (struct_elements(res_type) or {}).items() if info.min > 0)
