"""The FastAPI application: FHIR routes under ``/fhir``, one module per interaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

import dsn
from dsn.api import errors
from dsn.api.auth import auth_router
from dsn.api.cors import CorsMiddleware, RegisteredOrigins
from dsn.api.interactions import (
    capabilities,
    create,
    delete,
    history,
    patch,
    read,
    search,
    transaction,
    update,
    vread,
)
from dsn.api.middleware import RequestContextMiddleware
from dsn.api.operations import audit, break_glass, everything, lastn, match, merge, pix, validate
from dsn.config import Settings, get_settings
from dsn.logging import configure as configure_logging
from dsn.security.keys import ensure_keys
from dsn.service.records import RecordService
from dsn.store.engine import make_engine
from dsn.store.migrate import upgrade
from dsn.store.session import Store
from dsn.web.client import ensure_web_client
from dsn.web.router import install_web

FHIR_PREFIX = "/fhir"


def fhir_router() -> APIRouter:
    """Routes in precedence order: literal segments (_history, _search, $op) before ids."""
    router = APIRouter()
    for module in (
        capabilities,
        transaction,
        validate,
        everything,
        match,
        merge,
        pix,
        lastn,
        break_glass,
        audit,
        history,
        vread,
        search,
        create,
        read,
        update,
        patch,
        delete,
    ):
        router.include_router(module.router)
    return router


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On shutdown, flush the audit writer and release its connections."""
    yield
    app.state.service.close()


def create_app(settings: Settings | None = None, *, migrate: bool = True) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    ensure_keys(settings.data_dir)
    engine = make_engine(settings.resolved_database_url(), pool_size=settings.pool_size)
    if migrate:
        upgrade(engine)
    app = FastAPI(
        title="DSN — Dossier santé numérique",
        version=dsn.__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.service = RecordService(Store(engine), settings)
    app.add_middleware(CorsMiddleware, origins=RegisteredOrigins(engine))
    app.add_middleware(RequestContextMiddleware)
    errors.install(app)
    app.include_router(auth_router)  # before the FHIR routes: /fhir/.well-known/... is not a read
    app.include_router(fhir_router(), prefix=FHIR_PREFIX)
    ensure_web_client(engine, settings)
    install_web(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
