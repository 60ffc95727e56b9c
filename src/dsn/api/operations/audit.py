"""The audit log over HTTP: who accessed my record; privacy officers' search, export, review.

* ``GET [base]/Patient/[id]/$access-log`` — the accesses to a patient's record
  (the patient, a parent of a child under 14, or a privacy officer);
* ``GET [base]/AuditEvent?patient=&agent=&organization=&region=&action=&subtype=&date=ge…``
  — search the log (privacy officers);
* ``GET [base]/AuditEvent/$export-csv?…`` — the same selection as CSV;
* ``GET [base]/AuditEvent/$break-glass-queue`` and
  ``POST [base]/AuditEvent/[seq]/$review`` (Parameters: ``decision``, ``comment``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.service import audit_access
from dsn.service.errors import invalid

router = APIRouter()


@router.get("/Patient/{patient_id}/$access-log")
def access_log(patient_id: str, f: Fhir = Depends(fhir)) -> Response:
    return fhir_json(audit_access.access_log(f.service, f.ctx, patient_id, dict(f.request.query_params)))


@router.get("/AuditEvent")
def audit_search(f: Fhir = Depends(fhir)) -> Response:
    return fhir_json(audit_access.audit_search(f.service, f.ctx, dict(f.request.query_params)))


@router.get("/AuditEvent/$export-csv")
def audit_csv(f: Fhir = Depends(fhir)) -> Response:
    text = audit_access.audit_csv(f.service, f.ctx, dict(f.request.query_params))
    return Response(
        text.encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="journal-acces.csv"'},
    )


@router.get("/AuditEvent/$break-glass-queue")
def review_queue(f: Fhir = Depends(fhir)) -> Response:
    return fhir_json(audit_access.review_queue(f.service, f.ctx, dict(f.request.query_params)))


@router.post("/AuditEvent/{seq}/$review")
async def review(seq: str, f: Fhir = Depends(fhir)) -> Response:
    if not seq.isdigit():
        raise invalid(f"'{seq}' is not an audit record number", "AuditEvent.id")
    body = await f.json_body()
    decision = _parameter(body, "decision", "valueCode")
    comment = _optional(body, "comment", "valueString")
    return fhir_json(audit_access.review(f.service, f.ctx, int(seq), decision or "", comment))


def _parameter(body: Any, name: str, kind: str) -> str:
    value = _optional(body, name, kind)
    if value is None:
        raise invalid(f"parameter '{name}' ({kind}) is required", "Parameters.parameter")
    return value


def _optional(body: Any, name: str, kind: str) -> str | None:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise invalid("the body must be a Parameters resource", "Parameters")
    for parameter in body.get("parameter") or []:
        if isinstance(parameter, dict) and parameter.get("name") == name and isinstance(parameter.get(kind), str):
            return parameter[kind]
    return None
