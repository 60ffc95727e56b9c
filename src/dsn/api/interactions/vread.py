"""vread: ``GET [base]/[type]/[id]/_history/[vid]``."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import resource_response

router = APIRouter()


@router.get("/{res_type}/{res_id}/_history/{version}")
def vread(res_type: str, res_id: str, version: str, f: Fhir = Depends(fhir)) -> Response:
    stored = f.service.vread(f.ctx, res_type, res_id, version)
    return resource_response(stored, f.base_url)
