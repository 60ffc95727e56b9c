"""Database engines for SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` so that a committed write survives a
power loss, with foreign keys on. Write transactions start with ``BEGIN IMMEDIATE``:
taking the write lock up front avoids the deadlock-prone read-then-upgrade pattern
and makes optimistic-locking checks race-free.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from dsn.config import normalize_database_url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create the engine for ``url`` with the pragmas and pool the backend needs."""
    url = normalize_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        # No server-side prepared statements (psycopg prepares a query after its 5th
        # run). PostgreSQL may then switch it to a generic plan, blind to the searched
        # values: a chained search on a common LOINC code went from 0.6 ms to 3.3 s
        # (docs/benchmarks.md). Search values are skewed; every query is planned for them.
        connect_args={"prepare_threshold": None},
        future=True,
    )


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        # One connection per checkout: SQLite connections are cheap, and a pool of
        # them would share nothing useful while complicating transaction control.
        poolclass=NullPool,
        future=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine
