"""The web application: pages under ``/app/``, their static files, their error pages.

Errors on ``/app/`` paths are answered as pages, not OperationOutcomes (see
:func:`is_web` and :mod:`dsn.web.errors`); the FHIR API is untouched.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles

from dsn.web.pages import chart, home, login, portal, privacy
from dsn.web.rendering import STATIC

PREFIX = "/app"


def install_web(app: FastAPI) -> None:
    router = APIRouter()
    for module in (login, home, chart, portal, privacy):
        router.include_router(module.router)
    app.include_router(router)
    app.mount("/app/static", StaticFiles(directory=STATIC), name="web-static")
