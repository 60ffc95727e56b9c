"""Seeding the two-CIUSSS pilot demo, in the order the pieces depend on each other.

1. the 22 regions (the pilot two live) — before any clinician-like write, since the
   record service caches which regions are live;
2. the organizations (22 CISSS/CIUSSS and the pilot sites), as the server;
3. the showcase patient (:mod:`dsn.demo.showcase`), then the generated population
   (:mod:`dsn.demo.population`), each chart written facility by facility;
4. consent directives and probable duplicates, on patients cast for them
   (:mod:`dsn.demo.casting`), then the MPI scan that puts the duplicates in the review list;
5. the accounts, **last**: all demo usernames existing means a seeding finished, which is
   how a second ``dsn demo`` knows to leave the database alone (:func:`demo_state`).

Everything goes through :class:`~dsn.service.records.RecordService` (validated, indexed,
audited) except the regions and accounts, which have their own modules in
:mod:`dsn.security`, and the MPI scan (:func:`dsn.mpi.dedupe.dedupe`, as ``dsn mpi dedupe``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from dsn.config import Settings
from dsn.demo.accounts import (
    PATIENT_USERNAMES,
    STAFF,
    all_usernames,
    create_patient_account,
    create_staff_account,
    existing_accounts,
)
from dsn.demo.casting import cast
from dsn.demo.charts import write_chart
from dsn.demo.consents import ConsentCase, write_consent
from dsn.demo.duplicates import Duplicate, register_duplicate
from dsn.demo.population import DemoPatient, demo_patients
from dsn.demo.regions import seed_regions
from dsn.demo.showcase import SHOWCASE, TROIS_RIVES, showcase_chart
from dsn.mpi.dedupe import dedupe
from dsn.service.bundles import process_bundle
from dsn.service.context import system_context
from dsn.service.records import RecordService
from dsn.store.mpi_schema import mpi_review
from dsn.store.session import Store
from dsn.synthetic.bundles import facilities_bundle
from dsn.synthetic.people import IdentityRegistry

__all__ = ["DUPLICATES", "DemoError", "SeedReport", "demo_state", "reset_sqlite", "seed_demo"]

DUPLICATES = 3
State = Literal["empty", "complete", "partial"]


class DemoError(RuntimeError):
    """The demo cannot be seeded here as asked."""


@dataclass(slots=True)
class SeedReport:
    """What a seeding did (``seeded`` False: the demo was already there, nothing was written)."""

    seeded: bool
    patients: int = 0
    resources: int = 0
    cross_region: int = 0
    consents: list[ConsentCase] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    duplicates_in_review: int = 0
    portal: dict[str, str] = field(default_factory=dict)  # username → Patient id
    seconds: float = 0.0


def demo_state(engine: Engine, service: RecordService) -> State:
    """``complete`` when every demo account exists; ``partial`` when some exist or Patients do."""
    accounts = len(existing_accounts(engine))
    if accounts == len(all_usernames()):
        return "complete"
    if accounts:
        return "partial"
    outcome = service.search(system_context(), "Patient", [("_count", "1"), ("_total", "none")])
    return "partial" if outcome.result.matches else "empty"


def seed_demo(
    engine: Engine,
    settings: Settings,
    *,
    patients: int = 500,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> SeedReport:
    """Seed the demo into a migrated database (idempotent: a complete demo is left as is).

    ``progress`` is called with 1 after each generated patient's chart is written;
    ``log`` with a line at each step. ``DemoError`` when the database holds something
    else (Patients, or an interrupted seeding): seed an empty database, or reset it.
    """
    say = log or (lambda _line: None)
    started = time.perf_counter()
    service = RecordService(Store(engine), settings)
    try:
        state = demo_state(engine, service)
        if state == "complete":
            return SeedReport(seeded=False)
        if state == "partial":
            raise DemoError(
                "the database already holds patients or part of a demo (an interrupted run?): "
                "use an empty database, or `dsn demo --reset` on SQLite"
            )
        # Before any user-like write: the service reads which regions are live at its first
        # such request (the state check above was the server's, which reads none).
        seed_regions(engine)
        report = SeedReport(seeded=True)
        _seed(engine, service, report, patients, seed, progress or (lambda _n: None), say)
    finally:
        service.close()
    report.seconds = time.perf_counter() - started
    return report


def _seed(
    engine: Engine,
    service: RecordService,
    report: SeedReport,
    count: int,
    seed: int,
    progress: Callable[[int], None],
    say: Callable[[str], None],
) -> None:
    say(
        "regions and organizations: 22 CISSS/CIUSSS, the pilot two live / "
        "régions et établissements : 22 CISSS/CIUSSS, les deux du projet pilote actives"
    )
    process_bundle(service, system_context(), facilities_bundle())
    say(f"showcase patient / patiente vitrine: {SHOWCASE.name} (Patient/{SHOWCASE.id})")
    report.resources += write_chart(service, showcase_chart())
    say(f"{count} synthetic patients / patients synthétiques (seed {seed})")
    registry = IdentityRegistry()
    registry.assign_nam(SHOWCASE.family, SHOWCASE.given, SHOWCASE.birth_date, "female")  # reserved: hers
    population: list[DemoPatient] = []
    for patient, chart in demo_patients(seed, count, registry=registry):
        report.resources += write_chart(service, chart)
        population.append(patient)
        progress(1)
    report.patients = len(population) + 1
    report.cross_region = sum(1 for p in population if len(p.regions) > 1)
    roles = cast(population)

    say("consent directives / directives de consentement: refusal, PSY restriction, organization restriction")
    report.consents = [
        ConsentCase("refusal", roles.refusal.patient_id, roles.refusal.display),
        ConsentCase(
            "category",
            roles.mental_health_restriction.patient_id,
            roles.mental_health_restriction.display,
            label="PSY",
        ),
        ConsentCase(
            "organization",
            roles.organization_restriction.patient_id,
            roles.organization_restriction.display,
            organization=TROIS_RIVES.id,
        ),
    ]
    for case in report.consents:
        write_consent(service, case)

    say("probable duplicates / doublons probables, then the MPI scan / puis l'analyse de l'index")
    report.duplicates = _duplicates(service, roles.duplicate_candidates, population, registry)
    dedupe(engine)
    report.duplicates_in_review = _in_review(engine, report.duplicates)

    say("accounts / comptes")
    for account in STAFF:
        create_staff_account(engine, service, account)
    patients = {
        PATIENT_USERNAMES[1]: roles.portal[0],
        PATIENT_USERNAMES[2]: roles.portal[1],
        PATIENT_USERNAMES[3]: roles.mental_health_restriction,
    }
    for username, patient in patients.items():
        create_patient_account(engine, username, patient.patient_id, patient.display, patient.person.language)
        report.portal[username] = patient.patient_id
    # The showcase's account is the very last row: its presence completes the marker.
    create_patient_account(engine, SHOWCASE.username, SHOWCASE.id, SHOWCASE.name)
    report.portal = {SHOWCASE.username: SHOWCASE.id, **report.portal}


def _duplicates(
    service: RecordService,
    candidates: tuple[DemoPatient, ...],
    population: list[DemoPatient],
    registry: IdentityRegistry,
) -> list[Duplicate]:
    """Register :data:`DUPLICATES` probable duplicates, trying candidates in order."""
    made: list[Duplicate] = []
    for original in candidates:
        if len(made) >= DUPLICATES:
            break
        # The new address comes from someone living in the other pilot territory.
        others = [p for p in population if p.person.region.id != original.person.region.id] or [original]
        donor = others[len(made) % len(others)]
        duplicate = register_duplicate(service, original, donor, registry, first_attempt=len(made))
        if duplicate is not None:
            made.append(duplicate)
    return made


def _in_review(engine: Engine, duplicates: list[Duplicate]) -> int:
    """How many of ``duplicates`` the MPI scan put in the review list."""
    wanted = {tuple(sorted((d.original_id, d.duplicate_id))) for d in duplicates}
    with engine.connect() as conn:
        pairs = {(row.patient_a, row.patient_b) for row in conn.execute(select(mpi_review))}
    return len(wanted & pairs)


def reset_sqlite(database_url: str) -> list[Path]:
    """Delete a SQLite database file and its journal files; refuse any other database.

    Only the database goes, not the rest of the data folder: the folder may be the
    server's working directory, and it holds the token-signing keys, which a demo reset
    has no reason to change.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise DemoError(f"--reset deletes a SQLite file; refusing on a {url.get_backend_name()} database")
    if not url.database or url.database == ":memory:":
        return []
    deleted = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(url.database + suffix)
        if path.exists():
            path.unlink()
            deleted.append(path)
    return deleted
