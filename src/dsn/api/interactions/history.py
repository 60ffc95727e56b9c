"""history at instance, type and system level: ``[base]/([type]/([id]/))_history``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.service.results import HistoryOutcome
from dsn.store.clock import to_http_date
from dsn.store.records import StoredResource

router = APIRouter()
HISTORY_PARAMS = ("_since", "_at", "_count")


@router.get("/_history")
def system_history(f: Fhir = Depends(fhir)) -> Response:
    return _answer(f, None, None, "_history")


@router.get("/{res_type}/_history")
def type_history(res_type: str, f: Fhir = Depends(fhir)) -> Response:
    return _answer(f, res_type, None, f"{res_type}/_history")


@router.get("/{res_type}/{res_id}/_history")
def instance_history(res_type: str, res_id: str, f: Fhir = Depends(fhir)) -> Response:
    return _answer(f, res_type, res_id, f"{res_type}/{res_id}/_history")


def _answer(f: Fhir, res_type: str | None, res_id: str | None, path: str) -> Response:
    params = dict(f.request.query_params)
    outcome = f.service.history(f.ctx, res_type, res_id, params)
    return fhir_json(history_bundle(f.base_url, path, params, outcome))


def history_bundle(base_url: str, path: str, params: dict[str, str], outcome: HistoryOutcome) -> dict[str, Any]:
    base = base_url.rstrip("/")
    kept = [(k, params[k]) for k in HISTORY_PARAMS if k in params]
    links = [
        {
            "relation": "self",
            "url": _link(base, path, [*kept, *([("_page", params["_page"])] if "_page" in params else [])]),
        }
    ]
    page = outcome.page
    if page.next_cursor:
        token = f"{page.next_cursor[0]}.{page.next_cursor[1]}"
        links.append({"relation": "next", "url": _link(base, path, [*kept, ("_page", token)])})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "history", "link": links}
    if page.total is not None:
        bundle["total"] = page.total
    entries = [_entry(base, item) for item in page.entries]
    if entries:
        bundle["entry"] = entries
    return bundle


def _link(base: str, path: str, pairs: list[tuple[str, str]]) -> str:
    return f"{base}/{path}" + (f"?{urlencode(pairs)}" if pairs else "")


def _entry(base: str, item: StoredResource) -> dict[str, Any]:
    url = f"{base}/{item.res_type}/{item.res_id}"
    method = item.method or "PUT"
    entry: dict[str, Any] = {"fullUrl": url}
    if not item.deleted and item.resource is not None:
        entry["resource"] = item.resource
    request_url = item.res_type if method == "POST" else f"{item.res_type}/{item.res_id}"
    entry["request"] = {"method": "PUT" if method == "PATCH" else method, "url": request_url}
    status = "201 Created" if item.version == 1 else ("204 No Content" if item.deleted else "200 OK")
    entry["response"] = {
        "status": status,
        "etag": f'W/"{item.version}"',
        "lastModified": to_http_date(item.last_updated),
    }
    return entry
