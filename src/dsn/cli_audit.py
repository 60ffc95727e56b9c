"""``dsn audit …``: verify the tamper-evident log, report, export, sign a checkpoint.

``verify`` exits 0 when the whole chain and every checkpoint signature check out, and 1
naming the first broken record and the kind of break otherwise: it is meant for cron
and for the privacy officer, and its exit code is the answer. It reads the public half
of ``<data_dir>/keys/audit-ed25519.pem``; ``--key`` adds other PEM files (an auditor's
copy of the public key, a previous key).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from dsn.config import get_settings

audit_app = typer.Typer(help="Tamper-evident audit log: verify, report, export, checkpoint.", no_args_is_help=True)


def _engine() -> Engine:
    from dsn.store.engine import make_engine

    return make_engine(get_settings().resolved_database_url())


@contextmanager
def _output(path: str) -> Iterator[TextIO]:
    if path == "-":
        yield sys.stdout
    else:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            yield handle


@audit_app.command("verify")
def verify_command(
    key: list[Path] = typer.Option(None, "--key", help="Extra Ed25519 PEM key (public or private) to accept."),
) -> None:
    """Check the whole hash chain and every checkpoint signature; exit 1 at the first break."""
    from dsn.audit.checkpoint import audit_key_path, load_verify_keys
    from dsn.audit.verify import verify

    settings = get_settings()
    paths = [path for path in [audit_key_path(settings.data_dir), *(key or [])] if path.exists()]
    if not paths:
        typer.echo(f"warning: no audit key found at {audit_key_path(settings.data_dir)}", err=True)
    engine = _engine()
    try:
        report = verify(engine, load_verify_keys(paths), progress=None)
    except (OperationalError, ProgrammingError) as exc:
        typer.echo(f"cannot read the audit log (run `dsn db upgrade`?): {exc.orig}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    typer.echo(report.summary())
    if report.ok:
        rate = report.records / report.seconds if report.seconds else 0
        typer.echo(f"({report.seconds:.1f} s, {rate:,.0f} records/s)", err=True)
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("report")
def report_command(
    year: int = typer.Option(..., help="Calendar year to report on."),
    csv_path: str = typer.Option(None, "--csv", help="Write CSV to this file ('-' for stdout) instead of a table."),
    time_zone: str = typer.Option("America/Toronto", "--time-zone", help="Time zone the year runs in."),
) -> None:
    """Yearly access counts per region × data category × action."""
    from dsn.audit.report import access_report

    engine = _engine()
    try:
        with engine.connect() as conn:
            report = access_report(conn, year, time_zone)
    finally:
        engine.dispose()
    if csv_path:
        with _output(csv_path) as out:
            report.to_csv(out)
    else:
        typer.echo(report.render())


@audit_app.command("export")
def export_command(
    csv_path: str = typer.Option(..., "--csv", help="CSV file to write ('-' for stdout)."),
    patient: str = typer.Option(None, help="Only records about this Patient id."),
    user: str = typer.Option(None, help="Only records of this user (subject)."),
    organization: str = typer.Option(None, help="Only records of users of this Organization id."),
    region: str = typer.Option(None, help="Only records of users of this region code."),
    action: str = typer.Option(None, help="Only this action code (C, R, U, D, E)."),
    subtype: str = typer.Option(None, help="Only this subtype (read, search-type, login, break-glass…)."),
    since: str = typer.Option(None, help="From this date/instant (inclusive)."),
    until: str = typer.Option(None, help="Up to this date/instant (exclusive)."),
    break_glass: bool = typer.Option(None, "--break-glass/--no-break-glass", help="Only (or no) emergency accesses."),
) -> None:
    """Export audit records as CSV, oldest first."""
    from dsn.audit.query import AuditFilter, export_csv
    from dsn.store.clock import from_instant

    selection = AuditFilter(
        patient=patient,
        user=user,
        organization=organization,
        region=region,
        action=action.upper() if action else None,
        subtype=subtype,
        since=from_instant(since) if since else None,
        until=from_instant(until) if until else None,
        break_glass=break_glass,
    )
    engine = _engine()
    try:
        with engine.connect() as conn, _output(csv_path) as out:
            written = export_csv(conn, selection, out)
    finally:
        engine.dispose()
    typer.echo(f"exported {written} records", err=True)


@audit_app.command("checkpoint")
def checkpoint_command() -> None:
    """Sign a checkpoint of the chain now (normally done every N records or T seconds)."""
    from dsn.audit.writer import AuditLog
    from dsn.store.clock import to_instant

    settings = get_settings()
    engine = _engine()
    try:
        made = AuditLog.from_settings(engine, settings).checkpoint()
    finally:
        engine.dispose()
    if made is None:
        typer.echo("nothing new to sign: the last checkpoint covers the whole chain")
    else:
        typer.echo(f"checkpoint at record {made.seq} ({made.hash[:16]}…) signed {to_instant(made.created)}")
