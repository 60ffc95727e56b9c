"""``dsn demo`` as a person runs it: seed, print the way in, serve (or not); ``--reset``.

The server itself is not started: ``run_server`` (shared with ``dsn serve``) is replaced
by a recorder, and ``dsn serve`` is checked to hand its options to uvicorn through it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dsn import cli
from dsn.config import Settings, get_settings
from dsn.demo.accounts import ADMIN_TOTP_SECRET, DEMO_PASSWORD, PRIVACY_OFFICER_TOTP_SECRET, all_usernames
from dsn.demo.seed import DemoError, reset_sqlite
from dsn.demo.showcase import SHOWCASE
from dsn.service.context import system_context
from dsn.service.records import RecordService

runner = CliRunner()


@pytest.fixture
def environment(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """``dsn`` configured for the test database; returns what ``run_server`` was called with."""
    monkeypatch.setenv("DSN_DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("DSN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DSN_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("DSN_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(
        cli,
        "run_server",
        lambda settings, host=None, port=None: served.append({"settings": settings, "host": host, "port": port}),
    )
    yield served
    get_settings.cache_clear()


def test_demo_seeds_prints_the_way_in_then_serves_and_a_second_run_adds_nothing(environment) -> None:
    first = runner.invoke(cli.app, ["demo", "--patients", "12", "--port", "8765"])
    assert first.exit_code == 0, first.output
    output = first.output
    assert "http://127.0.0.1:8765/app/" in output
    assert "http://127.0.0.1:8765/fhir" in output
    for expected in (*all_usernames(), DEMO_PASSWORD, PRIVACY_OFFICER_TOTP_SECRET, ADMIN_TOTP_SECRET, SHOWCASE.nam):
        assert expected in output
    assert "seeded / chargé : 13 patients" in output
    assert "Comptes de démonstration / demo accounts" in output
    [call] = environment
    assert call["port"] == 8765
    assert call["settings"].base_url == "http://127.0.0.1:8765/fhir"  # links and OAuth issuer follow --port

    second = runner.invoke(cli.app, ["demo", "--no-serve", "--patients", "12"])
    assert second.exit_code == 0, second.output
    assert "demo already seeded" in second.output
    assert "patient.demo4" in second.output
    assert len(environment) == 1  # --no-serve: not served


def test_demo_refuses_a_database_holding_other_patients(environment, service: RecordService) -> None:
    service.create(system_context(), "Patient", {"resourceType": "Patient", "name": [{"family": "Autre"}]})
    result = runner.invoke(cli.app, ["demo", "--no-serve", "--patients", "12"])
    assert result.exit_code == 1
    assert "--reset" in result.output
    assert environment == []


def test_demo_needs_enough_patients_for_every_part(environment) -> None:
    result = runner.invoke(cli.app, ["demo", "--no-serve", "--patients", "5"])
    assert result.exit_code == 2
    assert "at least 10" in result.output


def test_reset_is_refused_on_postgresql(environment, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite: see test_reset_deletes_only_the_sqlite_database")
    result = runner.invoke(cli.app, ["demo", "--reset", "--no-serve", "--patients", "12"])
    assert result.exit_code == 2
    assert "refusing on a postgresql database" in result.output


def test_reset_deletes_only_the_sqlite_database(tmp_path: Path) -> None:
    database = tmp_path / "dsn.sqlite3"
    for name in ("dsn.sqlite3", "dsn.sqlite3-wal", "dsn.sqlite3-shm", "keep.txt"):
        (tmp_path / name).write_text("x")
    deleted = reset_sqlite(f"sqlite:///{database}")
    assert sorted(p.name for p in deleted) == ["dsn.sqlite3", "dsn.sqlite3-shm", "dsn.sqlite3-wal"]
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
    assert reset_sqlite(f"sqlite:///{database}") == []  # nothing left to delete
    with pytest.raises(DemoError):
        reset_sqlite("postgresql+psycopg://dsn@db.example/dsn")


def test_serve_goes_through_the_shared_helper(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    monkeypatch.setenv("DSN_DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("DSN_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **options: calls.append((application, options)))
    result = runner.invoke(cli.app, ["serve", "--port", "8766"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    [(application, options)] = calls
    application.state.service.close()
    application.state.engine.dispose()
    assert "DSN FHIR endpoint: http://127.0.0.1:8766/fhir" in result.output
    assert (options["host"], options["port"]) == ("127.0.0.1", 8766)
