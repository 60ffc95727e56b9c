"""Patient-centred operations: ``Patient/$everything`` and ``Observation/$lastn``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dsn.fhir.definitions import is_resource_type
from dsn.fhir.patient_compartment import compartment_params
from dsn.service.context import RequestContext
from dsn.service.errors import invalid, not_found
from dsn.service.patient_merge import merged_into
from dsn.service.records import RecordService, _count_param, _instant_param
from dsn.store.search.everything import everything, last_n
from dsn.store.search.query import Criterion


def patient_everything(
    service: RecordService, ctx: RequestContext, patient_id: str, params: dict[str, str]
) -> dict[str, Any]:
    """The patient's whole record as a searchset Bundle, paged by ``_count``."""
    since = _instant_param(params, "_since")
    count = _count_param(params, service.settings.max_page_size, service.settings.max_page_size)
    types = tuple(t for t in params.get("_type", "").split(",") if t)
    unknown = [t for t in types if not is_resource_type(t)]
    if unknown:
        raise invalid(f"unknown resource type(s) in _type: {', '.join(unknown)}", "_type")
    after = 0
    if "_page" in params:
        if not params["_page"].isdigit():
            raise invalid(f"invalid _page token '{params['_page']}'", "_page")
        after = int(params["_page"])
    with service._refusals(ctx, "$everything", "Patient", f"Patient/{patient_id}"):
        return _everything(service, ctx, patient_id, params, since, count, types, after)


def _everything(
    service: RecordService,
    ctx: RequestContext,
    patient_id: str,
    params: dict[str, str],
    since: int | None,
    count: int,
    types: tuple[str, ...],
    after: int,
) -> dict[str, Any]:
    service.access.require(ctx, "read", "Patient")
    with service.store.read() as session:
        access = service.access.access(ctx, "r", session.conn)
        visibility = access.visibility()
        patient = session.current("Patient", patient_id, visibility)
        if patient is None or patient.deleted:
            raise not_found("Patient", patient_id)
        page = everything(
            session.conn,
            patient_id,
            dict(compartment_params()),
            since=since,
            types=types,
            after=after,
            count=count,
            with_total=after == 0,
            visibility=visibility,
            merged=merged_into(session, patient_id),
        )
    service.auditor.read(
        ctx,
        "$everything",
        page.entries,
        resource_type="Patient",
        query=list(params.items()),
        glass_patients=access.glass_patients,
        patients=[patient_id],
    )
    base = service.settings.base_url.rstrip("/")
    path = f"{base}/Patient/{patient_id}/$everything"
    kept = [(k, params[k]) for k in ("_since", "_type", "_count") if k in params]
    links = [{"relation": "self", "url": _link(path, kept + ([("_page", str(after))] if after else []))}]
    if page.next_after is not None:
        links.append({"relation": "next", "url": _link(path, [*kept, ("_page", str(page.next_after))])})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if page.total is not None:
        bundle["total"] = page.total
    if page.entries:
        bundle["entry"] = [
            {"fullUrl": f"{base}/{item.reference}", "resource": item.resource, "search": {"mode": "match"}}
            for item in page.entries
        ]
    return bundle


def observation_lastn(service: RecordService, ctx: RequestContext, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """The most recent ``max`` Observations for each code matching the other parameters."""
    max_values = [value for name, value in pairs if name == "max"]
    max_per_code = 1
    if max_values:
        if not max_values[-1].isdigit() or int(max_values[-1]) < 1:
            raise invalid(f"max must be a positive integer, not '{max_values[-1]}'", "max")
        max_per_code = min(int(max_values[-1]), 1000)
    criteria = [(name, value) for name, value in pairs if name != "max"]
    with service._refusals(ctx, "$lastn", "Observation"):
        found, glass, applied = _lastn(service, ctx, criteria, max_per_code)
    service.auditor.read(ctx, "$lastn", found, resource_type="Observation", query=pairs, glass_patients=glass)
    base = service.settings.base_url.rstrip("/")
    self_url = _link(f"{base}/Observation/$lastn", [*applied, ("max", str(max_per_code))])
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(found),
        "link": [{"relation": "self", "url": self_url}],
    }
    if found:
        bundle["entry"] = [
            {"fullUrl": f"{base}/{item.reference}", "resource": item.resource, "search": {"mode": "match"}}
            for item in found
        ]
    return bundle


def _lastn(
    service: RecordService, ctx: RequestContext, criteria: list[tuple[str, str]], max_per_code: int
) -> tuple[list, tuple[str, ...], list[tuple[str, str]]]:
    service.access.require(ctx, "search", "Observation")
    query = service.parse_search(ctx, "Observation", criteria)
    patient_id = _patient_of(query.criteria)
    with service.store.read() as session:
        access = service.access.access(ctx, "s", session.conn)
        found = last_n(
            session.conn,
            query,
            service._search_context(access.visibility()),
            patient_id=patient_id,
            max_per_code=max_per_code,
            visibility=access.visibility(),
        )
    return found, access.glass_patients, query.applied


def _patient_of(criteria: list[Any]) -> str | None:
    """The single patient named by ``patient=`` or ``subject=Patient/…``, to use the patient key."""
    for criterion in criteria:
        if not isinstance(criterion, Criterion) or criterion.chain is not None or criterion.modifier:
            continue
        if criterion.param.code in ("patient", "subject") and len(criterion.values) == 1:
            value = criterion.values[0]
            if value.startswith("Patient/"):
                return value.split("/", 1)[1]
            if criterion.param.code == "patient" and "/" not in value:
                return value
    return None


def _link(url: str, pairs: list[tuple[str, str]]) -> str:
    return f"{url}?{urlencode(pairs)}" if pairs else url
