"""The canonical form and the hash: every column counts, and nothing else does."""

from __future__ import annotations

import pytest

from dsn.audit.chain import COLUMNS, GENESIS, canonical, hash_row, row_hash
from dsn.audit.writer import prepare
from dsn.store.audit_schema import audit_log
from tests.audit.support import sample


def _row() -> dict:
    row = prepare(sample(1)).columns
    return {**row, "seq": 1, "prev_hash": GENESIS}


def test_columns_cover_every_audit_log_column_but_the_hash() -> None:
    assert set(COLUMNS) == {column.name for column in audit_log.columns} - {"hash"}


def test_hash_is_deterministic_and_hex_sha256() -> None:
    row = _row()
    assert hash_row(row) == hash_row(dict(reversed(list(row.items()))))
    assert len(hash_row(row)) == 64
    int(hash_row(row), 16)


@pytest.mark.parametrize("column", [name for name in COLUMNS if name != "break_glass"])
def test_changing_any_column_changes_the_hash(column: str) -> None:
    row = _row()
    changed = dict(row)
    value = row[column]
    changed[column] = value + 1 if isinstance(value, int) and not isinstance(value, bool) else f"{value}x"
    assert hash_row(changed) != hash_row(row)


def test_break_glass_flag_counts_and_sqlite_integers_hash_like_booleans() -> None:
    row = _row()
    assert hash_row({**row, "break_glass": True}) != hash_row(row)
    assert hash_row({**row, "break_glass": 1}) == hash_row({**row, "break_glass": True})
    assert hash_row({**row, "break_glass": 0}) == hash_row({**row, "break_glass": False})


def test_none_and_empty_string_are_different() -> None:
    row = _row()
    assert hash_row({**row, "detail": None}) != hash_row({**row, "detail": ""})


def test_canonical_form_is_versioned_json() -> None:
    row = _row()
    values = [row[name] for name in COLUMNS]
    assert canonical(values).startswith(b"dsn-audit-chain/1\n[1,")
    assert row_hash(values) == hash_row(row)
