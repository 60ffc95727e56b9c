"""``GET [base]/Observation/$lastn``: the latest result(s) per code."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.service.patient_operations import observation_lastn

router = APIRouter()


@router.get("/Observation/$lastn")
def lastn(f: Fhir = Depends(fhir)) -> Response:
    return fhir_json(observation_lastn(f.service, f.ctx, f.query_pairs()))
