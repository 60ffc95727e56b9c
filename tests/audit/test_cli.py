"""``dsn audit``: verify's exit code is the answer; report, export and checkpoint work end to end."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from dsn.audit import AuditLog
from dsn.cli import app
from dsn.config import Settings, get_settings
from tests.audit.support import sample, tampering


@pytest.fixture
def server_log(settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[AuditLog]:
    """The audit log as the server keeps it: signed with the data folder's key."""
    monkeypatch.setenv("DSN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("DSN_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    log = AuditLog.from_settings(engine, settings, checkpoint_every=4)
    for i in range(10):
        log.record_read(sample(i))
    log.close()
    yield log
    get_settings.cache_clear()


def test_verify_passes_then_names_the_first_broken_record(server_log: AuditLog, engine: Engine) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "verified 10 records, 2 checkpoints" in result.output

    with tampering(engine) as conn:
        conn.execute(text("UPDATE audit_log SET network = '6.6.6.6' WHERE seq = 3"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "broken at record 3 (modified)" in result.output


def test_checkpoint_then_export_and_report(server_log: AuditLog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "checkpoint"])
    assert result.exit_code == 0 and "checkpoint at record 10" in result.output
    result = runner.invoke(app, ["audit", "checkpoint"])
    assert "nothing new to sign" in result.output
    assert "3 checkpoints" in runner.invoke(app, ["audit", "verify"]).output

    target = tmp_path / "pat-1.csv"
    result = runner.invoke(app, ["audit", "export", "--csv", str(target), "--patient", "pat-1", "--action", "r"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert rows and {r["patients"] for r in rows} == {"pat-1"} and {r["action"] for r in rows} == {"R"}

    year = int(rows[0]["recorded"][:4])
    result = runner.invoke(app, ["audit", "report", "--year", str(year), "--time-zone", "UTC", "--csv", "-"])
    assert result.exit_code == 0
    assert f"{year},06,labs,read," in result.output
