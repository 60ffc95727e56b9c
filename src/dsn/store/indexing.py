"""Writes search index rows for a resource version, in the caller's transaction.

Rows are buffered per table and flushed in one multi-row insert per table, so that a
transaction Bundle of hundreds of resources costs a handful of round trips for its
index rows rather than thousands.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete

from dsn.fhir.index_extraction import extract_index_rows
from dsn.fhir.search_parameters import SearchParameterRegistry
from dsn.store.bulk import insert_rows
from dsn.store.schema import INDEX_TABLES


class IndexWriter:
    """Buffers index rows for several resources and writes them on :meth:`flush`."""

    def __init__(self, conn: Connection, registry: SearchParameterRegistry | None = None) -> None:
        self._conn = conn
        self._registry = registry
        self._rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._stale: list[int] = []

    def add(
        self,
        resource_pk: int,
        res_type: str,
        patient_key: str | None,
        resource: dict,
        *,
        replace: bool,
    ) -> None:
        """Queue the rows for ``resource``; with ``replace``, its earlier rows go first."""
        if replace:
            self._stale.append(resource_pk)
        common = {"resource_pk": resource_pk, "res_type": res_type, "patient_key": patient_key}
        for table, rows in extract_index_rows(resource, self._registry).items():
            buffer = self._rows[table]
            for row in rows:
                buffer.append({**common, **row})

    def remove(self, resource_pk: int) -> None:
        """Queue the removal of a resource's rows (after a delete)."""
        self._stale.append(resource_pk)

    def flush(self) -> None:
        if self._stale:
            delete_all(self._conn, self._stale)
            self._stale = []
        for table, rows in self._rows.items():
            insert_rows(self._conn, INDEX_TABLES[table], rows)
        self._rows.clear()


def delete_all(conn: Connection, resource_pks: Iterable[int]) -> None:
    """Remove every index row of the given resources."""
    pks = list(dict.fromkeys(resource_pks))
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        for table in INDEX_TABLES.values():
            conn.execute(delete(table).where(table.c.resource_pk.in_(chunk)))
