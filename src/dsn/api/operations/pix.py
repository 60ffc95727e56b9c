"""``GET [base]/Patient/$ihe-pix`` (IHE PIXm): cross-reference a patient identifier."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.service.pix import ihe_pix

router = APIRouter()


@router.get("/Patient/$ihe-pix")
def pix(f: Fhir = Depends(fhir)) -> Response:
    return fhir_json(ihe_pix(f.service, f.ctx, f.query_pairs()))
