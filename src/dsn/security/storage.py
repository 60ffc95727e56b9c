"""Transactions on the identity tables, and the clock they are stamped with.

The identity tables live beside the record store but are not FHIR resources, so the
security modules use plain SQLAlchemy Core connections. Writes ask for SQLite's
``BEGIN IMMEDIATE`` (the engine's ``write`` option) so that compare-and-set updates
(one-time codes, refresh rotation) are race-free on both databases.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One read-write transaction, committed when the block exits without error."""
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


def now_s() -> int:
    """Whole seconds since the epoch: the unit of every ``expires`` column and JWT time claim."""
    return int(time.time())
