"""``POST [base]/Patient/$merge`` and ``$unmerge`` (Parameters with ``source-patient``
and ``target-patient`` references)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.service.errors import invalid
from dsn.service.patient_merge import merge, unmerge

router = APIRouter()


@router.post("/Patient/$merge")
async def merge_patients(f: Fhir = Depends(fhir)) -> Response:
    body = await f.json_body()
    return fhir_json(merge(f.service, f.ctx, _patient(body, "source-patient"), _patient(body, "target-patient")))


@router.post("/Patient/$unmerge")
async def unmerge_patient(f: Fhir = Depends(fhir)) -> Response:
    body = await f.json_body()
    return fhir_json(unmerge(f.service, f.ctx, _patient(body, "source-patient")))


def _patient(body: Any, name: str) -> str:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise invalid("the body must be a Parameters resource", "Parameters")
    for parameter in body.get("parameter") or []:
        if isinstance(parameter, dict) and parameter.get("name") == name:
            reference = (parameter.get("valueReference") or {}).get("reference", "")
            if isinstance(reference, str) and reference.startswith("Patient/") and reference.count("/") == 1:
                return reference.split("/", 1)[1]
    raise invalid(f"parameter '{name}' must be a Reference to Patient/<id>", "Parameters.parameter")
