"""Sort keys for ``_sort`` and the keyset cursor that pages through them.

A sort parameter may have several values on one resource; as HAPI and the spec's
guidance do, a resource sorts by its lowest value ascending and its highest value
descending. Resources with no value sort last either way. Pages continue from the
last row's key (not an offset), so inserts and deletes between two page requests
neither repeat nor skip rows that were already there.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select

from dsn.store.search.conditions import TABLE_BY_TYPE
from dsn.store.search.query import SortKey

SORT_COLUMN = {
    "string": "value_norm",
    "token": "code",
    "reference": "target_id",
    "quantity": "value",
    "number": "value",
    "uri": "value",
    "special": "code",
}


def sort_expression(key: SortKey, res_type: str, pk: Any) -> Any:
    """The scalar value a resource sorts by for ``key``."""
    table = TABLE_BY_TYPE[key.param.type].alias(f"sort_{key.param.code.replace('-', '_')}")
    if key.param.type == "date":
        column = table.c.high if key.descending else table.c.low
    else:
        column = table.c[SORT_COLUMN[key.param.type]]
    aggregate = func.max(column) if key.descending else func.min(column)
    return (
        select(aggregate)
        .where(table.c.resource_pk == pk, table.c.res_type == res_type, table.c.param == key.param.code)
        .scalar_subquery()
    )


def keyset_after(columns: list[tuple[Any, bool]], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order given by ``columns`` (expr, descending).

    A None value is a resource without a value for that key: its null flag (the
    column before it) already orders it, so equality is ``IS NULL`` and no row sorts
    strictly after it within the same flag.
    """
    alternatives = []
    for index, (column, descending) in enumerate(columns):
        equal_prefix = [_same(c, v) for (c, _), v in zip(columns[:index], values[:index], strict=True)]
        value = values[index]
        if value is None:
            continue
        step = column < value if descending else column > value
        alternatives.append(and_(*equal_prefix, step))
    return or_(false(), *alternatives)


def _same(column: Any, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def null_flag(expression: Any) -> Any:
    return case((expression.is_(None), literal(1)), else_=literal(0))


def encode_cursor(values: list[Any], backward: bool = False) -> str:
    payload = orjson.dumps({"k": values, "b": backward})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[list[Any], bool]:
    padded = token + "=" * (-len(token) % 4)
    data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(data, dict) or not isinstance(data.get("k"), list):
        raise ValueError("malformed page token")
    return data["k"], bool(data.get("b"))
