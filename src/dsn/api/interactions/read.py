"""read: ``GET [base]/[type]/[id]`` (FHIR R4 http.html#read)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import resource_response

router = APIRouter()


@router.get("/{res_type}/{res_id}")
def read(res_type: str, res_id: str, f: Fhir = Depends(fhir)) -> Response:
    stored = f.service.read(f.ctx, res_type, res_id)
    return resource_response(stored, f.base_url)
