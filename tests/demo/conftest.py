"""One demo seeding per backend, shared by the read-only tests of a module.

Seeding even a small demo (12 generated patients) takes seconds; the tests that only
look at the result share one seeding per backend and module instead of one per test.
It is built from the same session fixtures as ``database_url`` (a copy of the migrated
SQLite template; this worker's PostgreSQL schema, emptied first).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from dsn.config import Settings
from dsn.demo.seed import SeedReport, seed_demo
from dsn.security.users import User, find_user
from dsn.service.context import Caller, RequestContext
from dsn.service.records import RecordService
from dsn.store.engine import make_engine
from dsn.store.session import Store
from tests.conftest import BACKENDS, BASE_URL, _truncate

DEMO_PATIENTS = 12


@dataclass(frozen=True, slots=True)
class SeededDemo:
    settings: Settings
    engine: Engine
    service: RecordService
    report: SeedReport

    def as_user(self, username: str) -> RequestContext:
        """The request context a demo user's access token would give (``user/*.cruds``)."""
        user = find_user(self.engine, username)
        assert user is not None, username
        return RequestContext(caller=caller_of(user))


def caller_of(user: User) -> Caller:
    return Caller(
        kind="user",
        subject=user.id,
        display=user.display_name,
        role=user.role,
        scopes=("patient/*.rs",) if user.role == "patient" else ("user/*.cruds",),
        organization=user.organization_id,
        region=user.region_code,
        patients=(user.patient_id,) if user.patient_id else (),
        fhir_user=user.fhir_user,
    )


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededDemo]:
    root = tmp_path_factory.mktemp("demo")
    if request.param == "sqlite":
        path = root / "dsn.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        emptied = make_engine(url)
        _truncate(emptied)
        emptied.dispose()
    settings = Settings(database_url=url, data_dir=root / "var", base_url=BASE_URL, log_level="WARNING")
    engine = make_engine(settings.resolved_database_url())
    report = seed_demo(engine, settings, patients=DEMO_PATIENTS)
    service = RecordService(Store(engine), settings)
    yield SeededDemo(settings, engine, service, report)
    service.close()
    engine.dispose()
