"""Shared fixtures: every storage test runs on SQLite and, when configured, PostgreSQL.

``DSN_TEST_DATABASE_URL`` (set by .ci/run) points at a PostgreSQL database; each test
worker gets its own schema there, migrated once, and tables are emptied between tests.
Without it the PostgreSQL half is skipped with a visible reason — CI always sets it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from dsn.api.app import create_app
from dsn.config import Settings, normalize_database_url
from dsn.service.records import RecordService
from dsn.store.engine import make_engine
from dsn.store.migrate import upgrade
from dsn.store.schema import metadata
from dsn.store.session import Store
from tests.support.auth import bearer

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
BASE_URL = "http://testserver/fhir"

BACKENDS = ["sqlite", "postgresql"]


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not found at {path}")
    return path


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated schema of its own for this worker on the test PostgreSQL server."""
    raw = os.environ.get("DSN_TEST_DATABASE_URL")
    if not raw:
        pytest.skip("DSN_TEST_DATABASE_URL is not set: PostgreSQL half skipped")
    schema = f"dsn_test_{_worker()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(raw)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in raw else "?"
    url = normalize_database_url(raw) + f"{separator}options={quote(f'-csearch_path={schema}')}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database: SQLite and PostgreSQL in turn."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "dsn.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        _truncate(engine)
        engine.dispose()
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "var",
        base_url=BASE_URL,
        log_json=True,
        log_level="WARNING",
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.resolved_database_url())
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(engine)


@pytest.fixture
def service(store: Store, settings: Settings) -> Iterator[RecordService]:
    record_service = RecordService(store, settings)
    yield record_service
    record_service.close()


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings, migrate=False)
    yield application
    application.state.service.close()
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI, settings: Settings) -> Iterator[TestClient]:
    """An HTTP client authenticated as a backend integration client (``system/*.cruds``)."""
    with TestClient(app, base_url="http://testserver", headers=bearer(settings)) as test_client:
        yield test_client


@pytest.fixture
def anonymous_client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client that sends no credentials."""
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client
