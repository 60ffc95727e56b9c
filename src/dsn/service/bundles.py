"""Batch and transaction Bundles (FHIR R4 http.html#transaction).

A transaction runs in one store session, so it commits or rolls back as a whole.
Before anything is written, every entry's final identity is decided (new ids for
POSTs, matches for conditional creates and updates), then every ``urn:uuid:``
fullUrl and every conditional reference (``Patient?identifier=...``) inside the
bundle is rewritten to ``Type/id``. Entries then run in the order the spec
prescribes: DELETE, POST, PUT/PATCH, GET/HEAD. The response lists entries in the
order of the request. A batch runs each entry on its own.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from dsn.fhir.definitions import is_resource_type
from dsn.fhir.outcome import OutcomeIssue, operation_outcome
from dsn.service.context import RequestContext
from dsn.service.errors import FhirError, invalid
from dsn.service.records import RecordService, check_id, new_id
from dsn.service.results import WriteResult
from dsn.service.search_bundle import search_bundle
from dsn.store.clock import to_http_date
from dsn.store.records import StoredResource
from dsn.store.session import StoreSession

METHOD_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
_URN_IN_TEXT = re.compile(r"urn:(?:uuid|oid):[A-Za-z0-9.:-]+")


@dataclass(slots=True)
class Entry:
    """One request entry with what planning decided about it."""

    index: int
    method: str
    url: str
    res_type: str | None
    res_id: str | None
    query: str
    resource: Any
    full_url: str | None
    if_none_exist: str | None
    if_match: str | None
    existing: StoredResource | None = None
    response: dict[str, Any] = field(default_factory=dict)


def process_bundle(service: RecordService, ctx: RequestContext, bundle: Any) -> dict[str, Any]:
    """Run a batch or transaction Bundle and return the response Bundle."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise invalid("the request body must be a Bundle", "Bundle")
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise invalid(f"Bundle.type must be 'transaction' or 'batch', not '{kind}'", "Bundle.type")
    raw_entries = bundle.get("entry", [])
    if not isinstance(raw_entries, list):
        raise invalid("Bundle.entry must be an array", "Bundle.entry")
    if kind == "batch":
        return _batch(service, ctx, raw_entries)
    return _transaction(service, ctx, raw_entries)


# -- parsing --------------------------------------------------------------------------


def _parse_entry(index: int, raw: Any) -> Entry:
    where = f"Bundle.entry[{index}]"
    if not isinstance(raw, dict):
        raise invalid(f"{where} must be an object", where)
    request = raw.get("request")
    if not isinstance(request, dict):
        raise invalid(f"{where}.request is required in a batch or transaction", f"{where}.request")
    method = request.get("method")
    if method not in METHOD_ORDER:
        raise invalid(
            f"{where}.request.method '{method}' is not GET, HEAD, POST, PUT, PATCH or DELETE", f"{where}.request.method"
        )
    url = request.get("url")
    if not isinstance(url, str) or not url:
        raise invalid(f"{where}.request.url is required", f"{where}.request.url")
    parts = urlsplit(url)
    path = parts.path.strip("/")
    segments = [s for s in path.split("/") if s]
    res_type = segments[0] if segments else None
    res_id = segments[1] if len(segments) > 1 and not segments[1].startswith("$") else None
    if res_type is not None and not is_resource_type(res_type) and not res_type.startswith("$"):
        raise FhirError(
            404, "not-supported", f"{where}.request.url: unknown resource type '{res_type}'", f"{where}.request.url"
        )
    resource = raw.get("resource")
    if method in ("POST", "PUT") and not isinstance(resource, dict):
        raise invalid(f"{where}.resource is required for {method}", f"{where}.resource")
    if method == "PATCH" and resource is None:
        raise invalid(f"{where}.resource is required for PATCH (a Binary or Parameters)", f"{where}.resource")
    if isinstance(resource, dict) and method in ("POST", "PUT") and resource.get("resourceType") != res_type:
        raise invalid(
            f"{where}.resource is a {resource.get('resourceType')} but the request url is for {res_type}",
            f"{where}.resource.resourceType",
        )
    full_url = raw.get("fullUrl")
    return Entry(
        index=index,
        method=method,
        url=url,
        res_type=res_type,
        res_id=res_id,
        query=parts.query,
        resource=resource,
        full_url=full_url if isinstance(full_url, str) else None,
        if_none_exist=request.get("ifNoneExist"),
        if_match=request.get("ifMatch"),
    )


# -- transaction ------------------------------------------------------------------------


def _transaction(service: RecordService, ctx: RequestContext, raw_entries: list[Any]) -> dict[str, Any]:
    entries = [_parse_entry(index, raw) for index, raw in enumerate(raw_entries)]
    _check_duplicates(entries)
    with service.writing() as session:
        mapping = _plan_identities(service, ctx, session, entries)
        for entry in entries:
            if isinstance(entry.resource, dict):
                _rewrite(service, ctx, session, entry, mapping)
        for entry in sorted(entries, key=lambda e: (METHOD_ORDER[e.method], e.index)):
            try:
                entry.response = _run(service, ctx, session, entry, transaction=True)
            except FhirError as exc:
                raise _located(exc, entry) from None
    return {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [entry.response for entry in entries],
    }


def _check_duplicates(entries: list[Entry]) -> None:
    seen: dict[str, int] = {}
    for entry in entries:
        if entry.method in ("PUT", "DELETE", "PATCH") and entry.res_id:
            key = f"{entry.res_type}/{entry.res_id}"
            if key in seen:
                raise invalid(
                    f"Bundle.entry[{entry.index}] and Bundle.entry[{seen[key]}] both change {key}",
                    f"Bundle.entry[{entry.index}].request.url",
                )
            seen[key] = entry.index


def _plan_identities(
    service: RecordService, ctx: RequestContext, session: StoreSession, entries: list[Entry]
) -> dict[str, str]:
    """Decide each written entry's ``Type/id`` and map its fullUrl onto it."""
    mapping: dict[str, str] = {}
    for entry in entries:
        if entry.method == "POST" and entry.res_id is None and isinstance(entry.resource, dict):
            target_id = None
            if entry.if_none_exist:
                matches = service._conditional_matches(ctx, session, entry.res_type or "", entry.if_none_exist)
                if len(matches) > 1:
                    raise _located(
                        FhirError(
                            412, "duplicate", f"ifNoneExist '{entry.if_none_exist}' matches {len(matches)} resources"
                        ),
                        entry,
                    )
                if matches:
                    entry.existing = matches[0]
                    target_id = matches[0].res_id
            entry.res_id = target_id or new_id()
        elif entry.method == "PUT" and entry.res_id is None and entry.query:
            matches = service._conditional_matches(ctx, session, entry.res_type or "", entry.query)
            if len(matches) > 1:
                raise _located(
                    FhirError(412, "multiple-matches", f"'{entry.url}' matches {len(matches)} resources"), entry
                )
            given = entry.resource.get("id") if isinstance(entry.resource, dict) else None
            entry.res_id = matches[0].res_id if matches else (given or new_id())
            entry.query = ""
        elif entry.method == "PUT" and entry.res_id:
            check_id(entry.res_id)
        if entry.full_url and entry.res_id and entry.method in ("POST", "PUT"):
            mapping[entry.full_url] = f"{entry.res_type}/{entry.res_id}"
    return mapping


def _rewrite(
    service: RecordService, ctx: RequestContext, session: StoreSession, entry: Entry, mapping: dict[str, str]
) -> None:
    """Replace fullUrl and conditional references in ``entry.resource`` by ``Type/id``."""
    cache: dict[str, str] = {}
    prefix = f"Bundle.entry[{entry.index}].resource"

    def resolve(reference: str, path: str) -> str:
        if reference in mapping:
            return mapping[reference]
        if reference.startswith(("urn:uuid:", "urn:oid:")):
            raise FhirError(
                400, "not-found", f"reference '{reference}' does not resolve to any entry of the transaction", path
            )
        if "?" in reference and not reference.startswith(("http://", "https://")):
            if reference not in cache:
                res_type, _, criteria = reference.partition("?")
                if not is_resource_type(res_type):
                    raise FhirError(400, "invalid", f"conditional reference '{reference}' names no resource type", path)
                matches = service._conditional_matches(ctx, session, res_type, criteria)
                if len(matches) != 1:
                    raise FhirError(
                        412 if matches else 404,
                        "not-found" if not matches else "multiple-matches",
                        f"conditional reference '{reference}' matches {len(matches)} resources (exactly one needed)",
                        path,
                    )
                cache[reference] = matches[0].reference
            return cache[reference]
        return reference

    entry.resource = _walk(entry.resource, resolve, mapping, prefix)
    if entry.method == "POST":
        entry.resource = {**entry.resource}
        entry.resource.pop("id", None)
    elif entry.method == "PUT" and isinstance(entry.resource, dict):
        entry.resource = {**entry.resource, "id": entry.res_id}


def _walk(value: Any, resolve: Any, mapping: dict[str, str], path: str) -> Any:
    """Rewrite references in place (the bundle was parsed for this request alone).

    Paths are built only when a reference is met, since they serve error messages; the
    walk itself is on the hot path of every transaction.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                value[key] = resolve(item, f"{path}.{key}")
            elif key == "div" and isinstance(item, str) and "urn:" in item:
                value[key] = _URN_IN_TEXT.sub(lambda m: mapping.get(m.group(0), m.group(0)), item)
            elif isinstance(item, dict | list):
                _walk(item, resolve, mapping, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                _walk(item, resolve, mapping, f"{path}[{index}]")
    return value


def _run(
    service: RecordService, ctx: RequestContext, session: StoreSession, entry: Entry, *, transaction: bool
) -> dict[str, Any]:
    res_type = entry.res_type or ""
    if entry.method == "DELETE":
        if entry.res_id:
            try:
                result = service.delete(ctx, res_type, entry.res_id, session=session)
            except FhirError as exc:
                if exc.status != 404:
                    raise
                result = None
        else:
            result = service.conditional_delete(ctx, res_type, entry.query, session=session)
        return {"response": {"status": "204 No Content" if result is None else "200 OK"}}
    if entry.method == "POST":
        if entry.existing is not None:
            return _write_response(WriteResult(entry.existing, 200), entry)
        result = service.create(
            ctx,
            res_type,
            entry.resource,
            if_none_exist=None if transaction else entry.if_none_exist,
            assigned_id=entry.res_id,
            session=session,
        )
        return _write_response(result, entry)
    if entry.method == "PUT":
        if entry.res_id is None:
            result = service.conditional_update(
                ctx, res_type, entry.query, entry.resource, if_match=entry.if_match, session=session
            )
        else:
            result = service.update(
                ctx, res_type, entry.res_id, entry.resource, if_match=entry.if_match, session=session
            )
        return _write_response(result, entry)
    if entry.method == "PATCH":
        operations = _patch_operations(entry)
        if entry.res_id is None:
            raise invalid("PATCH in a bundle needs Type/id in request.url")
        result = service.patch(ctx, res_type, entry.res_id, operations, if_match=entry.if_match, session=session)
        return _write_response(result, entry)
    return _read_entry(service, ctx, session, entry)


def _patch_operations(entry: Entry) -> Any:
    """A JSON Patch carried by a Binary (base64 body) as the spec allows in bundles."""
    resource = entry.resource
    if isinstance(resource, dict) and resource.get("resourceType") == "Binary":
        try:
            return orjson.loads(base64.b64decode(resource.get("data", "")))
        except (ValueError, orjson.JSONDecodeError) as exc:
            raise invalid(f"the Binary does not hold a JSON Patch: {exc}") from None
    if isinstance(resource, list):
        return resource
    raise FhirError(422, "not-supported", "PATCH in a bundle must carry a JSON Patch in a Binary")


def _read_entry(service: RecordService, ctx: RequestContext, session: StoreSession, entry: Entry) -> dict[str, Any]:
    res_type = entry.res_type
    if res_type is None:
        raise invalid("GET entries must name a resource type")
    if entry.res_id:
        found = service.read(ctx, res_type, entry.res_id, session=session)
        return {
            "resource": found.resource,
            "response": {
                "status": "200 OK",
                "etag": f'W/"{found.version}"',
                "lastModified": to_http_date(found.last_updated),
            },
        }
    pairs = parse_qsl(entry.query, keep_blank_values=True)
    outcome = service.search(ctx, res_type, pairs, session=session)
    return {
        "resource": search_bundle(service.settings.base_url, res_type, outcome, pairs),
        "response": {"status": "200 OK"},
    }


def _write_response(result: WriteResult, entry: Entry) -> dict[str, Any]:
    stored = result.stored
    status = {200: "200 OK", 201: "201 Created"}.get(result.status, str(result.status))
    response: dict[str, Any] = {
        "status": status,
        "location": f"{stored.res_type}/{stored.res_id}/_history/{stored.version}",
        "etag": f'W/"{stored.version}"',
        "lastModified": to_http_date(stored.last_updated),
    }
    if result.issues:
        response["outcome"] = operation_outcome(result.issues)
    out: dict[str, Any] = {"response": response}
    if entry.full_url:
        out["fullUrl"] = entry.full_url
    out["resource"] = stored.resource
    return out


def _located(error: FhirError, entry: Entry) -> FhirError:
    """Re-anchor an entry's error paths under ``Bundle.entry[i]`` so the client can find it."""
    prefix = f"Bundle.entry[{entry.index}]"
    issues = []
    for issue in error.issues:
        expressions = tuple(_anchor(expression, prefix) for expression in issue.expression) or (prefix,)
        diagnostics = (
            issue.diagnostics if issue.diagnostics.startswith("Bundle.entry") else f"{prefix}: {issue.diagnostics}"
        )
        issues.append(OutcomeIssue(issue.severity, issue.code, diagnostics, expressions))
    return FhirError(
        error.status, issues[0].code if issues else "processing", issues[0].diagnostics if issues else "", issues=issues
    )


def _anchor(expression: str, prefix: str) -> str:
    if expression.startswith("Bundle.entry"):
        return expression
    head, dot, rest = expression.partition(".")
    if is_resource_type(head):
        return f"{prefix}.resource{dot}{rest}" if rest else f"{prefix}.resource"
    return f"{prefix}.{expression}"


# -- batch ------------------------------------------------------------------------------


def _batch(service: RecordService, ctx: RequestContext, raw_entries: list[Any]) -> dict[str, Any]:
    """Each entry on its own: one failing entry reports its error and the others proceed."""
    responses = []
    for index, raw in enumerate(raw_entries):
        try:
            entry = _parse_entry(index, raw)
            with service.writing() as session:
                if isinstance(entry.resource, dict):
                    _rewrite(service, ctx, session, entry, {})
                responses.append(_run(service, ctx, session, entry, transaction=False))
        except FhirError as exc:
            responses.append({"response": {"status": str(exc.status), "outcome": exc.outcome()}})
    return {"resourceType": "Bundle", "type": "batch-response", "entry": responses}
