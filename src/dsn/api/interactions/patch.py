"""patch: ``PATCH [base]/[type]/[id]`` with a JSON Patch document."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import write_response

router = APIRouter()


@router.patch("/{res_type}/{res_id}")
async def patch(
    res_type: str,
    res_id: str,
    f: Fhir = Depends(fhir),
    if_match: str | None = Header(default=None),
) -> Response:
    operations = await f.json_body(patch=True)
    result = f.service.patch(f.ctx, res_type, res_id, operations, if_match=if_match)
    return write_response(result, f.base_url, f.prefer_return)
