"""delete: ``DELETE [base]/[type]/[id]`` and conditional delete ``DELETE [base]/[type]?criteria``."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import version_headers
from dsn.service.errors import invalid

router = APIRouter()


@router.delete("/{res_type}/{res_id}")
def delete(res_type: str, res_id: str, f: Fhir = Depends(fhir)) -> Response:
    result = f.service.delete(f.ctx, res_type, res_id)
    if result is None:
        return Response(status_code=204)
    return Response(status_code=204, headers={"ETag": version_headers(result.stored, f.base_url)["ETag"]})


@router.delete("/{res_type}")
def conditional_delete(res_type: str, f: Fhir = Depends(fhir)) -> Response:
    criteria = f.request.url.query
    if not criteria:
        raise invalid("DELETE on a type needs search criteria (conditional delete)")
    result = f.service.conditional_delete(f.ctx, res_type, criteria)
    if result is None:
        return Response(status_code=204)
    return Response(status_code=204, headers={"ETag": version_headers(result.stored, f.base_url)["ETag"]})
