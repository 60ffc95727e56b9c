"""update: ``PUT [base]/[type]/[id]`` (create-on-update allowed) and conditional update."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import write_response
from dsn.service.errors import invalid

router = APIRouter()


@router.put("/{res_type}/{res_id}")
async def update(
    res_type: str,
    res_id: str,
    f: Fhir = Depends(fhir),
    if_match: str | None = Header(default=None),
) -> Response:
    body = await f.json_body()
    result = f.service.update(f.ctx, res_type, res_id, body, if_match=if_match)
    return write_response(result, f.base_url, f.prefer_return)


@router.put("/{res_type}")
async def conditional_update(
    res_type: str,
    f: Fhir = Depends(fhir),
    if_match: str | None = Header(default=None),
) -> Response:
    criteria = f.request.url.query
    if not criteria:
        raise invalid("PUT on a type needs search criteria (conditional update) or an id in the URL")
    body = await f.json_body()
    result = f.service.conditional_update(f.ctx, res_type, criteria, body, if_match=if_match)
    return write_response(result, f.base_url, f.prefer_return)
