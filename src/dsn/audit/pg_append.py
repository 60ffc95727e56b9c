"""Group commit on PostgreSQL in one round trip: move the head and insert, in one statement.

The locking path (``SELECT … FOR UPDATE`` of the head, insert the rows, update the head,
commit) costs five round trips per batch, and in a busy server each round trip also
costs a wait for the GIL held by request threads. When this process wrote the last
batch it already knows the head, so the batch writer links the new rows to it and
sends a single autocommit statement:

    WITH h AS (UPDATE audit_head SET seq = new, hash = new
               WHERE id = 1 AND seq = known AND hash = known RETURNING 1),
         l AS (INSERT INTO audit_log … SELECT … FROM unnest(…) WHERE EXISTS (SELECT FROM h)),
         p AS (INSERT INTO audit_patient … WHERE EXISTS (SELECT FROM h))
    SELECT count(*) FROM h

One statement is one transaction: either the head still was what we knew, and the head
moves and the rows go in together (durably, once the statement returns under
``synchronous_commit = on``), or someone else appended in between (another process, a
write transaction's :meth:`~dsn.audit.writer.AuditLog.append_in`), nothing is written,
and the writer falls back to the locking path. A concurrent holder of the head's row
lock makes the UPDATE wait, then re-check its condition against the new head, so the
chain can never fork. The SQL text does not depend on the batch size (arrays, not
VALUES lists), so PostgreSQL prepares it once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import BigInteger, Boolean, Engine, Integer

from dsn.audit.chain import COLUMNS
from dsn.store.audit_schema import audit_log

_NAMES: Final = (*COLUMNS, "hash")


def _array_type(name: str) -> str:
    kind = audit_log.c[name].type
    if isinstance(kind, BigInteger):
        return "bigint[]"
    if isinstance(kind, Integer):
        return "integer[]"
    if isinstance(kind, Boolean):
        return "boolean[]"
    return "text[]"


_STATEMENT: Final = f"""
WITH h AS (
    UPDATE audit_head SET seq = %(new_seq)s, hash = %(new_hash)s
    WHERE id = 1 AND seq = %(old_seq)s AND hash = %(old_hash)s
    RETURNING 1
), l AS (
    INSERT INTO audit_log ({", ".join(_NAMES)})
    SELECT * FROM unnest({", ".join(f"%({name})s::{_array_type(name)}" for name in _NAMES)})
    WHERE EXISTS (SELECT FROM h)
), p AS (
    INSERT INTO audit_patient (seq, patient_id)
    SELECT * FROM unnest(%(patient_seq)s::bigint[], %(patient_id)s::text[])
    WHERE EXISTS (SELECT FROM h)
)
SELECT count(*) FROM h
"""


class PgAppender:
    """The one-statement append, on a connection of its own in autocommit mode."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._raw: Any = None

    def append(
        self,
        old: tuple[int, str],
        rows: Sequence[dict[str, Any]],
        patient_rows: Sequence[dict[str, Any]],
    ) -> bool:
        """Insert ``rows`` if the head is still ``old``; False (nothing written) otherwise."""
        params: dict[str, Any] = {name: [row[name] for row in rows] for name in _NAMES}
        params |= {
            "new_seq": rows[-1]["seq"],
            "new_hash": rows[-1]["hash"],
            "old_seq": old[0],
            "old_hash": old[1],
            "patient_seq": [row["seq"] for row in patient_rows],
            "patient_id": [row["patient_id"] for row in patient_rows],
        }
        driver = self._driver()
        try:
            with driver.cursor() as cursor:
                cursor.execute(_STATEMENT, params)
                (moved,) = cursor.fetchone()
        except Exception:
            self.close()
            raise
        return bool(moved)

    def close(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            # Autocommit was switched on for this connection: never hand it back to the pool.
            with contextlib.suppress(Exception):
                raw.invalidate()

    def _driver(self) -> Any:
        if self._raw is None:
            self._raw = self._engine.raw_connection()
            driver = self._raw.driver_connection
            driver.rollback()  # end the transaction a pre-ping may have opened
            driver.autocommit = True
        return self._raw.driver_connection
