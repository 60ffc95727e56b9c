"""The schema is created by Alembic migrations, and it matches the declared metadata."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from dsn.store.migrate import current_revision, downgrade, upgrade
from dsn.store.schema import metadata


def test_migrated_database_matches_schema_metadata(engine: Engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
    assert current_revision(engine) is not None


def test_upgrade_is_idempotent_and_downgrade_removes_tables(engine: Engine) -> None:
    upgrade(engine)
    downgrade(engine, "base")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars().all()
        else:
            names = (
                conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
                .scalars()
                .all()
            )
    assert "resource" not in names
    upgrade(engine)
    assert current_revision(engine) is not None


def test_sqlite_runs_in_wal_mode_with_full_synchronous(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
