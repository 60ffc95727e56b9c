"""``POST [base]/Patient/$match``: candidates for a Patient, graded, scored and explained.

Input (FHIR R4 ``Patient/$match``): a ``Parameters`` resource with ``resource`` (the
Patient, possibly partial), ``onlyCertainMatches`` (boolean) and ``count`` (integer); a
bare Patient body is accepted too.  Output: a ``searchset`` Bundle, best candidate
first, each entry with

* ``search.score`` — the match probability (0–1);
* ``search.extension`` ``match-grade`` — ``certain``, ``probable``, ``possible`` or
  ``certainly-not``;
* ``search.extension`` ``match-explanation`` (DSN) — the match weight, and per field the
  agreement level and the weight it contributed (``field``/``level``/``weight``
  sub-extensions), plus ``swapped`` when the names agreed only crossed and ``guard``
  when a rule held the grade at ``possible``.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.mpi.match import MatchCandidate
from dsn.service.errors import invalid
from dsn.service.patient_match import MatchResult, patient_match

router = APIRouter()

MATCH_GRADE: Final = "http://hl7.org/fhir/StructureDefinition/match-grade"
MATCH_EXPLANATION: Final = "https://dsn.quebec/fhir/StructureDefinition/match-explanation"


@router.post("/Patient/$match")
async def patient_match_operation(f: Fhir = Depends(fhir)) -> Response:
    body = await f.json_body()
    patient, count, only_certain = _parameters(body)
    results = patient_match(f.service, f.ctx, patient, count=count, only_certain=only_certain)
    return fhir_json(_bundle(f.base_url, results))


def _parameters(body: Any) -> tuple[Any, int | None, bool]:
    """(resource, count, onlyCertainMatches) from a Parameters body (or a bare Patient)."""
    if isinstance(body, dict) and body.get("resourceType") == "Patient":
        return body, None, False
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise invalid("$match expects a Parameters resource (or a Patient)")
    patient: Any = None
    count: int | None = None
    only_certain = False
    for parameter in body.get("parameter") or []:
        if not isinstance(parameter, dict):
            continue
        name = parameter.get("name")
        if name == "resource":
            patient = parameter.get("resource")
        elif name == "count":
            value = parameter.get("valueInteger", parameter.get("valuePositiveInt"))
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise invalid("count must be a positive valueInteger", "Parameters.parameter")
            count = value
        elif name == "onlyCertainMatches":
            value = parameter.get("valueBoolean")
            if not isinstance(value, bool):
                raise invalid("onlyCertainMatches must be a valueBoolean", "Parameters.parameter")
            only_certain = value
    if patient is None:
        raise invalid("$match needs a 'resource' parameter holding a Patient", "Parameters.parameter")
    return patient, count, only_certain


def _bundle(base_url: str, results: list[MatchResult]) -> dict[str, Any]:
    base = base_url.rstrip("/")
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(results),
        "link": [{"relation": "self", "url": f"{base}/Patient/$match"}],
    }
    if results:
        bundle["entry"] = [
            {
                "fullUrl": f"{base}/Patient/{result.stored.res_id}",
                "resource": result.stored.resource,
                "search": {
                    "mode": "match",
                    "score": round(result.candidate.score, 6),
                    "extension": [
                        {"url": MATCH_GRADE, "valueCode": result.candidate.grade},
                        _explanation(result.candidate),
                    ],
                },
            }
            for result in results
        ]
    return bundle


def _explanation(candidate: MatchCandidate) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"url": "weight", "valueDecimal": round(candidate.weight, 3)}]
    for agreement in candidate.explanation:
        parts.append(
            {
                "url": "field",
                "extension": [
                    {"url": "name", "valueCode": agreement.field},
                    {"url": "level", "valueCode": agreement.level},
                    {"url": "weight", "valueDecimal": agreement.weight},
                ],
            }
        )
    if candidate.swapped:
        parts.append({"url": "swapped", "valueBoolean": True})
    if candidate.guard:
        parts.append({"url": "guard", "valueCode": candidate.guard})
    return {"url": MATCH_EXPLANATION, "extension": parts}
