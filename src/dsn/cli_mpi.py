"""``dsn mpi …``: rebuild the master patient index, train its model, list probable duplicates.

* ``rebuild`` — index every current Patient (after an upgrade, or when
  ``FEATURES_VERSION`` changed); writes keep the index current afterwards;
* ``train`` — estimate the matching model by EM on this database's patients and put it
  in force for every server process (no labelled data needed);
* ``dedupe`` — scan the whole index in batches and write the review list of probable
  duplicates (``mpi_review``, and ``--csv`` for a file); decisions already taken on a
  pair are kept.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import typer
from sqlalchemy import Engine

from dsn.config import get_settings

mpi_app = typer.Typer(help="Master patient index: rebuild, train, find duplicates.", no_args_is_help=True)


def _engine() -> Engine:
    from dsn.store.engine import make_engine

    return make_engine(get_settings().resolved_database_url())


def _progress(label: str) -> Callable[[int], None]:
    def report(count: int) -> None:
        typer.echo(f"\r{label}: {count:,}", nl=False, err=True)

    return report


@mpi_app.command("rebuild")
def rebuild_command(batch_size: int = typer.Option(2000, help="Patients per transaction.")) -> None:
    """Re-index every current Patient for matching."""
    from dsn.mpi.index import rebuild

    total = rebuild(_engine(), batch_size=batch_size, progress=_progress("indexed"))
    typer.echo(f"\nindexed {total:,} patients")


@mpi_app.command("train")
def train_command(
    max_patients: int = typer.Option(200_000, help="Patients sampled for training (0: all)."),
) -> None:
    """Estimate the Fellegi–Sunter model (EM) on the indexed patients and store it."""
    from dsn.mpi.training import train

    try:
        result = train(_engine(), max_patients=max_patients or None, progress=_progress("scanned"))
    except ValueError as exc:
        typer.echo(f"\n{exc}", err=True)
        raise typer.Exit(1) from None
    state = "converged" if result.converged else "stopped without converging"
    typer.echo(f"\nEM {state} after {result.iterations} iterations on {result.pairs:,} pairs")
    typer.echo(f"estimated share of matches among blocked pairs: {result.model.prior:.4f}")


@mpi_app.command("dedupe")
def dedupe_command(
    csv_path: Path = typer.Option(None, "--csv", help="Also write the review list as CSV ('-': standard output)."),
    include_possible: bool = typer.Option(False, help="List 'possible' pairs too, not only certain/probable."),
    batch_size: int = typer.Option(1000, help="Patients per scanned batch."),
) -> None:
    """Scan the index for probable duplicates and update the review list."""
    from dsn.mpi.dedupe import dedupe

    min_grade = "possible" if include_possible else "probable"
    engine = _engine()
    if csv_path is None:
        report = dedupe(engine, min_grade=min_grade, batch_size=batch_size, progress=_progress("scanned"))
    elif str(csv_path) == "-":
        report = dedupe(engine, min_grade=min_grade, batch_size=batch_size, csv_out=sys.stdout)
    else:
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            report = dedupe(
                engine, min_grade=min_grade, batch_size=batch_size, csv_out=handle, progress=_progress("scanned")
            )
    typer.echo(
        f"\n{report.found:,} pairs: {report.added:,} new, {report.refreshed:,} refreshed, "
        f"{report.dropped:,} no longer found, {report.decided:,} already decided",
        err=True,
    )
