"""create: ``POST [base]/[type]``, conditional with ``If-None-Exist``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import write_response

router = APIRouter()


@router.post("/{res_type}")
async def create(
    res_type: str,
    f: Fhir = Depends(fhir),
    if_none_exist: str | None = Header(default=None),
) -> Response:
    body = await f.json_body()
    result = f.service.create(f.ctx, res_type, body, if_none_exist=if_none_exist)
    return write_response(result, f.base_url, f.prefer_return)
