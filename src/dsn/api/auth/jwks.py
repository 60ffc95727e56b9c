"""``GET /jwks``: the public keys that verify DSN's tokens (current and recently retired)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from dsn.api.auth.common import settings_of
from dsn.security.signing import key_ring

router = APIRouter()


@router.get("/jwks", include_in_schema=False)
def jwks(request: Request) -> JSONResponse:
    # Short cache: verifiers must see a new key soon after a rotation.
    return JSONResponse(key_ring(settings_of(request)).jwks(), headers={"Cache-Control": "public, max-age=60"})
