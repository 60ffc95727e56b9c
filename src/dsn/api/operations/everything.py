"""``GET [base]/Patient/[id]/$everything`` (with ``_since``, ``_type``, ``_count``, paging)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.service.patient_operations import patient_everything

router = APIRouter()


@router.get("/Patient/{patient_id}/$everything")
def everything(patient_id: str, f: Fhir = Depends(fhir)) -> Response:
    return fhir_json(patient_everything(f.service, f.ctx, patient_id, dict(f.request.query_params)))
