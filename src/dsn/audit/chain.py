"""The hash chain: a canonical serialization of each audit row, and its SHA-256 link.

Row ``n`` stores ``prev_hash`` (row ``n-1``'s ``hash``; :data:`GENESIS` for row 1) and
``hash = SHA-256(canonical(row))``, where the canonical form covers every column —
``seq`` and ``prev_hash`` included — in the fixed order of :data:`COLUMNS`. So changing
any stored value, removing a row, inserting one or moving one breaks a link that
``dsn audit verify`` recomputes. The form is a JSON array (orjson: UTF-8, no
whitespace, integers and booleans as JSON scalars), versioned by :data:`DOMAIN` so the
encoding can evolve without ambiguity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

import orjson

DOMAIN: Final = b"dsn-audit-chain/1\n"
GENESIS: Final = "0" * 64

# Every audit_log column except ``hash``, in hashing order.
COLUMNS: Final = (
    "seq",
    "prev_hash",
    "recorded",
    "action",
    "subtype",
    "outcome",
    "agent_kind",
    "user_id",
    "user_display",
    "user_ref",
    "role",
    "organization",
    "region",
    "client_id",
    "network",
    "purpose",
    "patients",
    "entities",
    "res_types",
    "query",
    "request_id",
    "break_glass",
    "detail",
)
SEQ: Final = COLUMNS.index("seq")
PREV_HASH: Final = COLUMNS.index("prev_hash")
BREAK_GLASS: Final = COLUMNS.index("break_glass")
PATIENTS: Final = COLUMNS.index("patients")


def canonical(values: Sequence[Any]) -> bytes:
    """The bytes hashed for one row, from its values in :data:`COLUMNS` order.

    ``break_glass`` is normalized to a boolean: SQLite hands it back as 0/1.
    """
    normalized = list(values)
    normalized[BREAK_GLASS] = bool(normalized[BREAK_GLASS])
    return DOMAIN + orjson.dumps(normalized)


def row_hash(values: Sequence[Any]) -> str:
    """The hex SHA-256 of a row given as values in :data:`COLUMNS` order."""
    return hashlib.sha256(canonical(values)).hexdigest()


def hash_row(row: Mapping[str, Any]) -> str:
    """The hex SHA-256 of a row given as a column → value mapping."""
    return row_hash([row[name] for name in COLUMNS])
