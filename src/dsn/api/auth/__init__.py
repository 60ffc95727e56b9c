"""HTTP face of the authorization server: discovery, JWKS, login pages, token endpoints.

``auth_router`` is included before the FHIR routes so that
``/fhir/.well-known/smart-configuration`` is not taken for a read of type ``.well-known``.
"""

from __future__ import annotations

from fastapi import APIRouter

from dsn.api.auth import authorize, introspect, jwks, launch, revoke, token, userinfo, wellknown


def _router() -> APIRouter:
    router = APIRouter()
    for module in (wellknown, jwks, authorize, token, revoke, introspect, userinfo, launch):
        router.include_router(module.router)
    return router


auth_router = _router()
