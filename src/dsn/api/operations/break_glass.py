"""``POST [base]/Patient/[id]/$break-the-glass``: emergency access with a reason.

Body: a Parameters resource with ``reason`` (valueCode, e.g. ``ETREAT``) and
``justification`` (valueString). Answers a Parameters with the grant and its expiry.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.service.break_glass import break_glass
from dsn.service.errors import invalid

router = APIRouter()


@router.post("/Patient/{patient_id}/$break-the-glass")
async def break_the_glass(patient_id: str, f: Fhir = Depends(fhir)) -> Response:
    body = await f.json_body()
    reason = _parameter(body, "reason", "valueCode")
    justification = _parameter(body, "justification", "valueString")
    grant = break_glass(f.service, f.ctx, patient_id, reason, justification)
    return fhir_json(grant.to_parameters(), 201)


def _parameter(body: Any, name: str, kind: str) -> str:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise invalid("the body must be a Parameters resource", "Parameters")
    for parameter in body.get("parameter") or []:
        if isinstance(parameter, dict) and parameter.get("name") == name and isinstance(parameter.get(kind), str):
            return parameter[kind]
    raise invalid(f"parameter '{name}' ({kind}) is required", "Parameters.parameter")
