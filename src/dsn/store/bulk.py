"""Multi-row inserts at the speed each backend allows.

A transaction Bundle of a few hundred resources writes tens of thousands of index
rows. On PostgreSQL they go through ``COPY`` (one stream, no per-row statement); on
SQLite, which runs in-process, ``executemany`` is already cheap.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts keyed by column name; missing keys take column defaults)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, rows)
    else:
        conn.execute(table.insert(), [_complete(table, row) for row in rows])


def _complete(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    return {column.name: row.get(column.name, _default(column)) for column in table.columns if not _is_serial(column)}


def _default(column: Any) -> Any:
    default = column.default
    return default.arg if default is not None and default.is_scalar else None


def _is_serial(column: Any) -> bool:
    return bool(column.primary_key and column.autoincrement is True)


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    columns = [column for column in table.columns if not _is_serial(column)]
    names = [column.name for column in columns]
    defaults = [_default(column) for column in columns]
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row.get(name, default) for name, default in zip(names, defaults, strict=True)])


def insert_returning_keys(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows of a table with a serial ``pk`` and return the keys, in row order.

    PostgreSQL: reserve the keys from the sequence in one query, then ``COPY`` the rows
    with them. SQLite: one multi-row ``INSERT … RETURNING``.
    """
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        keys = list(
            conn.exec_driver_sql(
                f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'pk')) FROM generate_series(1, %(n)s)",
                {"n": len(rows)},
            ).scalars()
        )
        columns = [column.name for column in table.columns]
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for key, row in zip(keys, rows, strict=True):
                copy.write_row([key if name == "pk" else row.get(name) for name in columns])
        return keys
    result = conn.execute(table.insert().returning(table.c.pk, sort_by_parameter_order=True), rows)
    return list(result.scalars())
