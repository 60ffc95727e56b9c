"""Discovery documents: SMART configuration (under the FHIR base and at the root) and OpenID configuration."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from dsn.api.auth.common import settings_of
from dsn.security.oauth.discovery import openid_configuration, smart_configuration

router = APIRouter()
CACHE = {"Cache-Control": "public, max-age=3600"}


@router.get("/fhir/.well-known/smart-configuration", include_in_schema=False)
@router.get("/.well-known/smart-configuration", include_in_schema=False)
def smart(request: Request) -> JSONResponse:
    return JSONResponse(smart_configuration(settings_of(request)), headers=CACHE)


@router.get("/.well-known/openid-configuration", include_in_schema=False)
def openid(request: Request) -> JSONResponse:
    return JSONResponse(openid_configuration(settings_of(request)), headers=CACHE)
