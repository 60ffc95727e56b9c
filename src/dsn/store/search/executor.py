"""Run a parsed search: match, count, sort, page, include.

``visibility`` is the hook through which the access policy and consent restrict what
a caller may see: it is applied inside every query (matches, counts and includes), so
pages and totals never reveal what was filtered out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, Connection, false, func, select, text, true, tuple_

from dsn.store.records import StoredResource
from dsn.store.schema import idx_reference, resource
from dsn.store.search.conditions import MergedPatients, SearchContext, criterion_condition, local_target
from dsn.store.search.query import Include, SearchQuery
from dsn.store.search.sorting import (
    decode_cursor,
    encode_cursor,
    keyset_after,
    null_flag,
    sort_expression,
)
from dsn.store.session import load_current

Visibility = Callable[[Any], ColumnElement[bool]]
MAX_INCLUDE_ROUNDS = 4
MAX_INCLUDED = 5000


class PageTokenError(ValueError):
    """A ``_page`` token that this server did not issue or cannot read."""


@dataclass(slots=True)
class SearchResult:
    matches: list[StoredResource]
    included: list[StoredResource] = field(default_factory=list)
    total: int | None = None
    next_cursor: str | None = None
    previous_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class CompartmentRule:
    """How to find members of a compartment: the reference parameters per type."""

    params_by_type: dict[str, tuple[str, ...]]


def base_conditions(
    query: SearchQuery,
    ctx: SearchContext,
    compartment_params: dict[str, tuple[str, ...]] | None,
    visibility: Visibility | None,
    table: Any = resource,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [table.c.deleted == false()]
    if query.res_type is not None:
        conditions.append(table.c.res_type == query.res_type)
    elif query.types:
        conditions.append(table.c.res_type.in_(query.types))
    for criterion in query.criteria:
        conditions.append(criterion_condition(criterion, table.c.pk, table.c.res_id, ctx))
    if query.compartment is not None:
        conditions.append(compartment_condition(query, compartment_params or {}, table, ctx))
    if visibility is not None:
        conditions.append(visibility(table))
    return conditions


def compartment_condition(
    query: SearchQuery, params_by_type: dict[str, tuple[str, ...]], table: Any, ctx: SearchContext | None = None
) -> ColumnElement[bool]:
    """``Patient/123/Observation``: Observations whose compartment parameters refer to Patient/123."""
    assert query.compartment is not None
    comp_type, comp_id = query.compartment
    res_type = query.res_type
    if res_type == comp_type:
        return table.c.res_id == comp_id
    params = params_by_type.get(res_type or "", ())
    if not params:
        return false()
    return table.c.pk.in_(
        select(idx_reference.c.resource_pk).where(
            idx_reference.c.res_type == res_type,
            idx_reference.c.param.in_(params),
            idx_reference.c.target_type == comp_type,
            idx_reference.c.target_id == comp_id,
            local_target(idx_reference, ctx) if ctx is not None else true(),
        )
    )


def execute(
    conn: Connection,
    query: SearchQuery,
    ctx: SearchContext,
    *,
    page_size: int,
    compartment_params: dict[str, tuple[str, ...]] | None = None,
    visibility: Visibility | None = None,
) -> SearchResult:
    if ctx.merged_sources is None:
        ctx = replace(ctx, merged_sources=MergedPatients(conn))
    conditions = base_conditions(query, ctx, compartment_params, visibility)
    count = page_size if query.count is None else query.count
    result = SearchResult(matches=[])

    if query.total == "accurate" or query.summary == "count":
        result.total = conn.execute(select(func.count()).select_from(resource).where(*conditions)).scalar_one()
    elif query.total == "estimate":
        result.total = _estimate(conn, conditions)
    if query.summary == "count" or count == 0:
        return result

    inner_columns: list[Any] = [resource.c.pk]
    for index, key in enumerate(query.sort):
        inner_columns.append(sort_expression(key, query.res_type or "", resource.c.pk).label(f"s{index}"))
    inner = select(*inner_columns).where(*conditions).subquery("matches")
    order: list[tuple[Any, bool]] = []
    for index, key in enumerate(query.sort):
        column = inner.c[f"s{index}"]
        order += [(null_flag(column), False), (column, key.descending)]
    order.append((inner.c.pk, False))

    backward = False
    statement = select(*[column for column, _ in order])
    if query.cursor:
        try:
            values, backward = decode_cursor(query.cursor)
        except (ValueError, TypeError) as exc:
            raise PageTokenError(str(exc)) from exc
        if len(values) != len(order):
            raise PageTokenError("page token does not match this search's sort order")
        direction = [(column, descending != backward) for column, descending in order]
        statement = statement.where(keyset_after(direction, values))
    effective = [(column, descending != backward) for column, descending in order]
    statement = statement.order_by(
        *[column.desc() if descending else column.asc() for column, descending in effective]
    ).limit(count + 1)
    rows = conn.execute(statement).all()
    more = len(rows) > count
    rows = rows[:count]
    if backward:
        rows.reverse()
    keys = [list(row) for row in rows]
    pks = [row[-1] for row in rows]
    result.matches = load_current(conn, pks)
    if rows:
        if backward:
            result.next_cursor = encode_cursor(keys[-1])
            result.previous_cursor = encode_cursor(keys[0], backward=True) if more else None
        else:
            result.next_cursor = encode_cursor(keys[-1]) if more else None
            result.previous_cursor = encode_cursor(keys[0], backward=True) if query.cursor else None
    if result.total is None and query.total != "none" and not query.cursor and not more:
        result.total = len(rows)
    if query.includes:
        result.included = _includes(conn, query.includes, result.matches, ctx, visibility)
    return result


def _estimate(conn: Connection, conditions: list[ColumnElement[bool]]) -> int:
    """The planner's row estimate on PostgreSQL (cheap); an exact count elsewhere."""
    statement = select(resource.c.pk).where(*conditions)
    if conn.dialect.name != "postgresql":
        return conn.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    compiled = statement.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    plan = conn.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar_one()
    return int(plan[0]["Plan"]["Plan Rows"])


def _includes(
    conn: Connection,
    includes: list[Include],
    matches: list[StoredResource],
    ctx: SearchContext,
    visibility: Visibility | None,
) -> list[StoredResource]:
    """Resolve ``_include``/``_revinclude`` (iterating where asked), without duplicates."""
    seen = {item.pk for item in matches}
    included: list[StoredResource] = []
    frontier = list(matches)
    for round_number in range(MAX_INCLUDE_ROUNDS):
        active = [inc for inc in includes if round_number == 0 or inc.iterate]
        if not active or not frontier:
            break
        found: list[StoredResource] = []
        for include in active:
            for item in _include_once(conn, include, frontier, ctx, visibility):
                if item.pk not in seen:
                    seen.add(item.pk)
                    found.append(item)
        included.extend(found)
        frontier = found
        if len(included) >= MAX_INCLUDED:
            break
    return included[:MAX_INCLUDED]


def _include_once(
    conn: Connection,
    include: Include,
    frontier: list[StoredResource],
    ctx: SearchContext,
    visibility: Visibility | None,
) -> list[StoredResource]:
    """One step of ``_include`` (matches → what they refer to) or ``_revinclude`` (→ what refers to them).

    Only references to this server's resources are followed: an absolute reference
    to another server names a resource we do not hold, even if an id coincides.
    """
    ref = idx_reference
    target = resource.alias("included")
    if not include.reverse:
        sources = [item.pk for item in frontier if include.source_type in ("*", item.res_type)]
        if not sources:
            return []
        conditions = [
            ref.c.resource_pk.in_(sources),
            target.c.res_type == ref.c.target_type,
            target.c.res_id == ref.c.target_id,
            target.c.deleted == false(),
        ]
    else:
        pairs = [(item.res_type, item.res_id) for item in frontier]
        if not pairs:
            return []
        conditions = [
            tuple_(ref.c.target_type, ref.c.target_id).in_(pairs),
            target.c.pk == ref.c.resource_pk,
            target.c.deleted == false(),
        ]
        if include.source_type != "*":
            conditions.append(ref.c.res_type == include.source_type)
    conditions.append(local_target(ref, ctx))
    if include.param_code != "*":
        conditions.append(ref.c.param == include.param_code)
        if not include.reverse and include.source_type != "*":
            conditions.append(ref.c.res_type == include.source_type)
    if include.target_type is not None:
        # _include=A:p:T names the type included; _revinclude=A:p:T the type referred to.
        column = ref.c.target_type if include.reverse else target.c.res_type
        conditions.append(column == include.target_type)
    if visibility is not None:
        conditions.append(visibility(target))
    pks = conn.execute(select(target.c.pk).where(*conditions).distinct().limit(MAX_INCLUDED)).scalars().all()
    return load_current(conn, list(pks))
