"""``$validate`` on a type or an instance: the findings a write would give, nothing stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.fhir.outcome import OutcomeIssue, operation_outcome
from dsn.service.errors import invalid

router = APIRouter()


@router.post("/{res_type}/$validate")
async def validate_type(res_type: str, f: Fhir = Depends(fhir)) -> Response:
    return await _validate(res_type, f)


@router.post("/{res_type}/{res_id}/$validate")
async def validate_instance(res_type: str, res_id: str, f: Fhir = Depends(fhir)) -> Response:
    return await _validate(res_type, f)


async def _validate(res_type: str, f: Fhir) -> Response:
    body = await f.json_body()
    resource = _unwrap_parameters(body) if _is_parameters(body, res_type) else body
    issues = f.service.validate(f.ctx, res_type, resource)
    if not issues:
        issues = [OutcomeIssue("information", "informational", "no issues found")]
    status = 200
    return fhir_json(operation_outcome(issues), status)


def _is_parameters(body: Any, res_type: str) -> bool:
    return isinstance(body, dict) and body.get("resourceType") == "Parameters" and res_type != "Parameters"


def _unwrap_parameters(body: dict[str, Any]) -> Any:
    for parameter in body.get("parameter", []) or []:
        if isinstance(parameter, dict) and parameter.get("name") == "resource":
            return parameter.get("resource")
    raise invalid("$validate Parameters must carry a 'resource' parameter", "Parameters.parameter")
