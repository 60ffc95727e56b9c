"""search: ``GET [base]/[type]?...``, ``POST [base]/[type]/_search``, system and compartment search."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.body import read_bounded
from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.service.errors import FhirError
from dsn.service.search_bundle import search_bundle

router = APIRouter()


@router.get("/")
def system_search(f: Fhir = Depends(fhir)) -> Response:
    pairs = f.query_pairs()
    outcome = f.service.search(f.ctx, None, pairs)
    return fhir_json(search_bundle(f.base_url, None, outcome, pairs))


@router.get("/{res_type}")
def search_type(res_type: str, f: Fhir = Depends(fhir)) -> Response:
    pairs = f.query_pairs()
    outcome = f.service.search(f.ctx, res_type, pairs)
    return fhir_json(search_bundle(f.base_url, res_type, outcome, pairs))


@router.post("/{res_type}/_search")
async def search_type_post(res_type: str, f: Fhir = Depends(fhir)) -> Response:
    """Parameters may come in the form body and in the URL; both apply (spec 3.1.0.1.1)."""
    media = (f.request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise FhirError(415, "not-supported", "POST _search takes application/x-www-form-urlencoded parameters")
    raw = await read_bounded(f.request, f.settings.max_body_bytes)
    try:
        form = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise FhirError(400, "structure", "the form body is not UTF-8") from None
    pairs = [*f.query_pairs(), *form]
    outcome = f.service.search(f.ctx, res_type, pairs)
    return fhir_json(search_bundle(f.base_url, res_type, outcome, pairs))


@router.get("/{compartment}/{comp_id}/{res_type}")
def search_compartment(compartment: str, comp_id: str, res_type: str, f: Fhir = Depends(fhir)) -> Response:
    if compartment != "Patient":
        raise FhirError(404, "not-supported", f"only the Patient compartment is supported, not '{compartment}'")
    pairs = f.query_pairs()
    outcome = f.service.search(f.ctx, res_type, pairs, compartment=(compartment, comp_id))
    path = f"{compartment}/{comp_id}/{res_type}"
    return fhir_json(search_bundle(f.base_url, res_type, outcome, pairs, path=path))
