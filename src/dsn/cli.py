"""The ``dsn`` command: run the server, manage the database, load data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from dsn.config import Settings, get_settings

app = typer.Typer(help="DSN — Dossier santé numérique (FHIR R4 health record server).", no_args_is_help=True)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _prepare_data_dir() -> None:
    """Create the data folder and key material the first time the server starts."""
    from dsn.security.keys import ensure_keys

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    ensure_keys(settings.data_dir)


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to listen on (default DSN_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default DSN_PORT or 8080)."),
) -> None:
    """Start the FHIR server (migrates the database first)."""
    settings = get_settings()
    run_server(with_base_url(settings, server_origin(settings, host, port)), host, port)


def with_base_url(settings: Settings, origin: str) -> Settings:
    """Follow ``--host``/``--port`` in links and the OAuth issuer, unless DSN_BASE_URL says otherwise."""
    if os.environ.get("DSN_BASE_URL"):
        return settings
    return settings.model_copy(update={"base_url": f"{origin}/fhir"})


def server_origin(settings: Settings, host: str | None = None, port: int | None = None) -> str:
    """``scheme://host:port`` where :func:`run_server` listens with these options."""
    scheme = "https" if settings.tls_certfile and settings.tls_keyfile else "http"
    return f"{scheme}://{host or settings.host}:{port or settings.port}"


def run_server(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Migrate the database, then serve HTTP until interrupted (``dsn serve``, ``dsn demo``)."""
    import uvicorn

    from dsn.api.app import create_app

    _prepare_data_dir()
    application = create_app(settings)
    bind_host = host or settings.host
    bind_port = port or settings.port
    database = _safe_url(settings.resolved_database_url())
    tls: dict[str, object] = {}
    if settings.tls_certfile and settings.tls_keyfile:
        # HTTPS; the middleware adds Strict-Transport-Security to every https response.
        tls = {"ssl_certfile": str(settings.tls_certfile), "ssl_keyfile": str(settings.tls_keyfile)}
    elif settings.tls_certfile or settings.tls_keyfile:
        typer.echo("DSN_TLS_CERTFILE and DSN_TLS_KEYFILE must be set together", err=True)
        raise typer.Exit(2)
    typer.echo(f"DSN FHIR endpoint: {server_origin(settings, host, port)}/fhir  (database: {database})")
    uvicorn.run(application, host=bind_host, port=bind_port, log_level="warning", access_log=False, **tls)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Create or upgrade the schema to REVISION (default: newest)."""
    from dsn.store.engine import make_engine
    from dsn.store.migrate import current_revision, upgrade

    settings = get_settings()
    _prepare_data_dir()
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine, revision)
    typer.echo(f"schema at revision {current_revision(engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the configured database."""
    from dsn.store.engine import make_engine
    from dsn.store.migrate import current_revision

    engine = make_engine(get_settings().resolved_database_url())
    typer.echo(current_revision(engine) or "empty")


@app.command()
def load(paths: list[Path] = typer.Argument(..., help="Bundle JSON files (transaction or batch).")) -> None:
    """Load FHIR Bundles through the same pipeline as the REST API (validation included)."""
    import orjson

    from dsn.service.bundles import process_bundle
    from dsn.service.context import system_context
    from dsn.service.errors import FhirError
    from dsn.service.records import RecordService
    from dsn.store.engine import make_engine
    from dsn.store.migrate import upgrade
    from dsn.store.session import Store

    settings = get_settings()
    _prepare_data_dir()
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    service = RecordService(Store(engine), settings)
    failed = 0
    for path in paths:
        try:
            response = process_bundle(service, system_context(), orjson.loads(path.read_bytes()))
            typer.echo(f"{path.name}: {len(response.get('entry', []))} entries")
        except FhirError as exc:
            failed += 1
            typer.echo(f"{path.name}: rejected ({exc.status}): {json.dumps(exc.outcome()['issue'][0])}", err=True)
        except orjson.JSONDecodeError as exc:
            failed += 1
            typer.echo(f"{path.name}: not JSON: {exc}", err=True)
    service.close()
    raise typer.Exit(1 if failed else 0)


@app.command()
def reindex(
    resource_type: str = typer.Option(None, "--type", help="Only this resource type (default: all)."),
    restart: bool = typer.Option(False, help="Start over instead of resuming an interrupted run."),
    batch_size: int = typer.Option(500, help="Resources per transaction."),
) -> None:
    """Rebuild search indexes (resumable); makes stored SearchParameter resources searchable."""
    from tqdm import tqdm

    from dsn.fhir.definitions import is_resource_type
    from dsn.store.engine import make_engine
    from dsn.store.migrate import upgrade
    from dsn.store.reindex import reindex as run_reindex

    if resource_type is not None and not is_resource_type(resource_type):
        typer.echo(f"unknown resource type: {resource_type}", err=True)
        raise typer.Exit(2)
    engine = make_engine(get_settings().resolved_database_url())
    upgrade(engine)
    bar = tqdm(unit="res", desc=f"reindex {resource_type or 'all'}")
    report = run_reindex(
        engine,
        res_type=resource_type,
        batch_size=batch_size,
        restart=restart,
        progress=bar.update,
        total_callback=lambda total: setattr(bar, "total", total),
    )
    bar.close()
    resumed = f" (resumed after key {report.resumed_from})" if report.resumed_from else ""
    typer.echo(f"reindexed {report.resources} resources{resumed}")
    for url in report.custom_parameters:
        typer.echo(f"search parameter live: {url}")


def _safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


from dsn import cli_admin  # noqa: E402 - admin sub-commands, registered after the core ones

app.add_typer(cli_admin.users_app, name="users")
app.add_typer(cli_admin.clients_app, name="clients")
app.add_typer(cli_admin.keys_app, name="keys")
app.add_typer(cli_admin.regions_app, name="regions")
app.command("token")(cli_admin.token)


from dsn.cli_audit import audit_app  # noqa: E402

app.add_typer(audit_app, name="audit")

from dsn.cli_mpi import mpi_app  # noqa: E402

app.add_typer(mpi_app, name="mpi")

from dsn.cli_demo import demo  # noqa: E402

app.command("demo")(demo)

if __name__ == "__main__":
    app()
