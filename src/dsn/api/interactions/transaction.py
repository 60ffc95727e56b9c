"""batch and transaction: ``POST [base]`` with a Bundle."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from dsn.api.dependencies import Fhir, fhir
from dsn.api.responses import fhir_json
from dsn.service.bundles import process_bundle

router = APIRouter()


@router.post("/")
async def transaction(f: Fhir = Depends(fhir)) -> Response:
    bundle = await f.json_body()
    return fhir_json(process_bundle(f.service, f.ctx, bundle))
