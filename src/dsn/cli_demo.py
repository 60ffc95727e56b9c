"""``dsn demo``: the two-CIUSSS pilot on one machine, in one command.

Migrates the configured database (the embedded SQLite file by default), seeds the demo
unless it is already there (:mod:`dsn.demo`), prints where to go and whom to log in as,
in French and English, then serves exactly as ``dsn serve`` does. ``--no-serve`` stops
after printing (tests, CI, preparing a database to copy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import typer
from sqlalchemy import Engine

from dsn.config import Settings, get_settings

if TYPE_CHECKING:
    from dsn.demo.seed import SeedReport

__all__ = ["demo"]


def demo(
    patients: int = typer.Option(500, help="Synthetic patients to generate (at least 10)."),
    seed: int = typer.Option(2026, help="Seed of the synthetic population (same seed, same patients)."),
    reset: bool = typer.Option(False, "--reset", help="Delete the SQLite database first (SQLite only)."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Seed and print, then exit without serving."),
    host: str = typer.Option(None, help="Interface to listen on (default DSN_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default DSN_PORT or 8080)."),
) -> None:
    """Seed the two-CIUSSS pilot demo (idempotent) and start the server: web app, FHIR API, demo accounts."""
    from dsn.cli import _prepare_data_dir, _safe_url, run_server, server_origin, with_base_url
    from dsn.demo.casting import MIN_PATIENTS
    from dsn.demo.seed import DemoError, reset_sqlite, seed_demo
    from dsn.store.engine import make_engine
    from dsn.store.migrate import upgrade

    if patients < MIN_PATIENTS:
        typer.echo(f"--patients must be at least {MIN_PATIENTS} (every part of the demo needs someone)", err=True)
        raise typer.Exit(2)

    settings = with_base_url(get_settings(), server_origin(get_settings(), host, port))
    database = settings.resolved_database_url()
    if reset:
        try:
            for path in reset_sqlite(database):
                typer.echo(f"deleted / supprimé : {path}")
        except DemoError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from None
    _prepare_data_dir()
    engine = make_engine(database)
    typer.echo(f"database / base de données : {_safe_url(database)}")
    upgrade(engine)
    progress, log, done = _progress(patients)
    try:
        report = seed_demo(engine, settings, patients=patients, seed=seed, progress=progress, log=log)
    except DemoError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        done()
    if report.seeded:
        rate = report.resources / report.seconds if report.seconds else 0.0
        typer.echo(
            f"seeded / chargé : {report.patients} patients, {report.resources:,} resources / ressources "
            f"in / en {report.seconds:.1f} s ({rate:,.0f}/s); records in both pilot regions / dossiers dans les "
            f"deux régions : {report.cross_region}; probable duplicates in the MPI review list / doublons "
            f"probables à réviser : {report.duplicates_in_review}"
        )
        _print_cases(report)
    else:
        typer.echo("demo already seeded: nothing written / démo déjà en place : rien n'a été écrit")
    _print_welcome(engine, settings, server_origin(settings, host, port))
    engine.dispose()
    if not no_serve:
        run_server(settings, host, port)


def _progress(total: int) -> tuple[Callable[[int], None], Callable[[str], None], Callable[[], None]]:
    """A progress bar on a terminal (as ``dsn reindex``), a line per tenth of the patients otherwise."""
    from tqdm import tqdm

    bar = tqdm(total=total, unit="patient", desc="demo", disable=None)
    if not bar.disable:
        return bar.update, bar.write, bar.close
    written = 0
    step = max(1, total // 10)

    def update(count: int) -> None:
        nonlocal written
        written += count
        if written % step == 0 or written == total:
            typer.echo(f"demo: {written}/{total} patients", err=True)

    return update, typer.echo, bar.close


def _print_cases(report: SeedReport) -> None:
    """Who carries a consent directive, and which records are probable duplicates."""
    kinds = {
        "refusal": "refus de tout partage / refuses all sharing",
        "category": "santé mentale (PSY) restreinte / mental health (PSY) restricted",
        "organization": "dossier caché à / record hidden from",
    }
    for case in report.consents:
        what = kinds[case.kind] + (f" Organization/{case.organization}" if case.organization else "")
        typer.echo(f"  consentement / consent: {case.patient_display} (Patient/{case.patient_id}): {what}")
    for duplicate in report.duplicates:
        typer.echo(
            f"  doublon probable / probable duplicate: Patient/{duplicate.duplicate_id} of / de "
            f"Patient/{duplicate.original_id} ({', '.join(duplicate.errors)})"
        )


def _print_welcome(engine: Engine, settings: Settings, origin: str) -> None:
    from dsn.demo.accounts import DEMO_PASSWORD, PATIENT_USERNAMES, ROLE_LABELS, existing_accounts
    from dsn.demo.showcase import SHOWCASE
    from dsn.security.regions import list_regions

    regions = {region.code: region.name for region in list_regions(engine)}
    typer.echo("")
    typer.echo(f"Application web / web app : {origin}/app/")
    typer.echo(f"API FHIR / FHIR endpoint  : {settings.base_url}")
    typer.echo(f"Patiente vitrine / showcase patient : {SHOWCASE.name}, NAM {SHOWCASE.nam}, Patient/{SHOWCASE.id}")
    typer.echo("")
    typer.echo(f"Comptes de démonstration / demo accounts — mot de passe / password : {DEMO_PASSWORD}")
    rows = [("utilisateur / username", "rôle / role", "région / region", "mot de passe / password", "TOTP")]
    for user in existing_accounts(engine):
        french, english = ROLE_LABELS.get(user.role, (user.role, user.role))
        role = f"{french} / {english}" if french != english else french
        if user.patient_id:
            role += f" — {user.display_name}"
            if user.username == PATIENT_USERNAMES[3]:
                role += " (santé mentale restreinte / mental health restricted)"
        region = f"{user.region_code} {regions.get(user.region_code or '', '')}".strip() if user.region_code else "—"
        rows.append((user.username, role, region, DEMO_PASSWORD, user.totp_secret or "—"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    typer.echo("")
    typer.echo(
        "TOTP : ajoutez le secret dans une application d'authentification (clé manuelle, TOTP, 30 s, 6 chiffres). / "
        "add the secret to an authenticator app (manual key, TOTP, 30 s, 6 digits)."
    )
    typer.echo(
        "Démonstration seulement : ces mots de passe et secrets sont publics; n'exposez pas ce serveur. / "
        "Demo only: these passwords and secrets are public; do not expose this server."
    )
