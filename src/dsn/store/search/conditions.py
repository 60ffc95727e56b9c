"""Compile search criteria into SQL conditions on a resource row.

Each criterion becomes ``pk IN (SELECT resource_pk FROM idx_<type> WHERE ...)``: the
database starts from the selective index lookup and semi-joins it to the resources.
OR-ed values share one subquery; AND-ed criteria are separate subqueries. Negations
(``:not``, ``:missing=true``, ``ne``) become ``NOT IN`` so that resources with no value
at all are treated as the spec says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, literal, or_, select, true
from sqlalchemy.sql.elements import ColumnClause

from dsn.fhir.text_normalization import normalize_string
from dsn.store.schema import (
    idx_date,
    idx_number,
    idx_quantity,
    idx_reference,
    idx_string,
    idx_token,
    idx_uri,
    resource,
)
from dsn.store.search.query import Criterion, HasCriterion
from dsn.store.search.values import (
    date_range,
    number_value,
    quantity_value,
    split_composite,
    split_prefix,
    split_unescaped,
    token_value,
    unescape,
)

TABLE_BY_TYPE = {
    "string": idx_string,
    "token": idx_token,
    "date": idx_date,
    "reference": idx_reference,
    "quantity": idx_quantity,
    "number": idx_number,
    "uri": idx_uri,
    "special": idx_token,
}
APPROXIMATE = 0.1


@dataclass(frozen=True, slots=True)
class SearchContext:
    """What value compilation needs to know about the server."""

    base_url: str
    now_us: int


def criterion_condition(
    criterion: Criterion | HasCriterion,
    pk: ColumnClause | Any,
    res_id: ColumnClause | Any,
    ctx: SearchContext,
) -> ColumnElement[bool]:
    """A condition true for the resource whose key is ``pk`` (and id ``res_id``)."""
    if isinstance(criterion, HasCriterion):
        return _has_condition(criterion, res_id, ctx)
    if criterion.chain is not None:
        return _chain_condition(criterion, pk, ctx)
    param = criterion.param
    table = TABLE_BY_TYPE.get(param.type)
    if param.type == "composite":
        return pk.in_(_composite_pks(criterion, ctx))
    if table is None:
        return false()
    if criterion.modifier == "missing":
        present = select(table.c.resource_pk).where(table.c.res_type == criterion.res_type, table.c.param == param.code)
        return pk.not_in(present) if criterion.values == ("true",) else pk.in_(present)
    negate = criterion.modifier == "not" or (
        param.type in ("date", "number", "quantity") and all(split_prefix(v)[0] == "ne" for v in criterion.values)
    )
    column_param = param.code
    if criterion.modifier == "of-type":
        column_param = f"{param.code}:of-type"
    if criterion.modifier == "identifier":
        table, column_param = idx_token, f"{param.code}:identifier"
    alternatives = [_value_condition(criterion, table, raw, ctx, negate) for raw in criterion.values]
    subquery = select(table.c.resource_pk).where(
        table.c.res_type == criterion.res_type,
        table.c.param == column_param,
        or_(*alternatives),
    )
    return pk.not_in(subquery) if negate else pk.in_(subquery)


def _value_condition(
    criterion: Criterion, table: Any, raw: str, ctx: SearchContext, negated: bool
) -> ColumnElement[bool]:
    kind = criterion.param.type
    modifier = criterion.modifier
    if criterion.modifier == "identifier":
        return _token(table, raw, None)
    if kind == "string":
        return _string(table, raw, modifier)
    if kind in ("token", "special"):
        return _token(table, raw, modifier)
    if kind == "date":
        prefix, value = split_prefix(raw)
        return _date(table, "eq" if negated else prefix, value, ctx)
    if kind == "number":
        prefix, value = split_prefix(raw)
        return _number(table, "eq" if negated else prefix, number_value(value))
    if kind == "quantity":
        prefix, value = split_prefix(raw)
        quantity = quantity_value(value)
        condition = _number(table, "eq" if negated else prefix, quantity.number)
        if quantity.system is not None:
            condition = and_(condition, table.c.system == quantity.system)
        if quantity.code is not None:
            condition = and_(
                condition,
                or_(table.c.code == quantity.code, table.c.unit == quantity.code)
                if quantity.system is None
                else table.c.code == quantity.code,
            )
        return condition
    if kind == "reference":
        return _reference(table, raw, criterion, ctx)
    if kind == "uri":
        return _uri(table, unescape(raw), modifier)
    return false()


# -- per-type value conditions -----------------------------------------------------------


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _string(table: Any, raw: str, modifier: str | None) -> ColumnElement[bool]:
    value = unescape(raw)
    if modifier == "exact":
        return table.c.value_exact == value[:255]
    normalized = like_escape(normalize_string(value)[:255])
    if modifier == "contains":
        return table.c.value_norm.like(f"%{normalized}%", escape="\\")
    return table.c.value_norm.like(f"{normalized}%", escape="\\")


def _token(table: Any, raw: str, modifier: str | None) -> ColumnElement[bool]:
    if modifier == "text":
        normalized = like_escape(normalize_string(unescape(raw))[:255])
        return table.c.text_norm.like(f"{normalized}%", escape="\\")
    if modifier == "of-type":
        type_system, type_code, value = (unescape(p) for p in split_unescaped(raw, "|", 2))
        return and_(table.c.system == f"{type_system}|{type_code}", table.c.code == value)
    token = token_value(raw)
    conditions = []
    if token.system is not None:
        conditions.append(table.c.system.is_(None) if token.system == "" else table.c.system == token.system)
    if token.code is not None:
        conditions.append(table.c.code == token.code)
    return and_(*conditions) if conditions else true()


def _date(table: Any, prefix: str, raw: str, ctx: SearchContext) -> ColumnElement[bool]:
    searched = date_range(raw)
    low, high = table.c.low, table.c.high
    equal = and_(low >= searched.low, high <= searched.high)
    if prefix == "eq":
        return equal
    if prefix == "gt":
        return high > searched.high
    if prefix == "lt":
        return low < searched.low
    if prefix == "ge":
        return or_(high > searched.high, equal)
    if prefix == "le":
        return or_(low < searched.low, equal)
    if prefix == "sa":
        return low > searched.high
    if prefix == "eb":
        return high < searched.low
    if prefix == "ap":
        margin = int(abs(ctx.now_us - searched.low) * APPROXIMATE)
        return and_(low <= searched.high + margin, high >= searched.low - margin)
    return false()


def _number(table: Any, prefix: str, number: Any) -> ColumnElement[bool]:
    value = table.c.value
    if prefix == "eq":
        return and_(value >= number.low, value < number.high)
    if prefix in ("gt", "sa"):
        return value > number.value
    if prefix in ("lt", "eb"):
        return value < number.value
    if prefix == "ge":
        return value >= number.value
    if prefix == "le":
        return value <= number.value
    if prefix == "ap":
        margin = abs(number.value) * APPROXIMATE
        return and_(value >= number.value - margin, value <= number.value + margin)
    return false()


def _uri(table: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    if modifier == "below":
        return table.c.value.like(f"{like_escape(value)}%", escape="\\")
    if modifier == "above":
        return literal(value).like(table.c.value + "%")
    return table.c.value == value


def parse_reference(raw: str, base_url: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(type, id, version, url) for a reference search value in any of its forms."""
    value = unescape(raw)
    base = base_url.rstrip("/") + "/"
    if value.startswith(base):
        value = value[len(base) :]
    if "://" in value or value.startswith("urn:"):
        url, _, version = value.partition("|")
        return None, None, version or None, url
    parts = value.split("/")
    if len(parts) >= 4 and parts[2] == "_history":
        return parts[0], parts[1], parts[3], None
    if len(parts) == 2:
        return parts[0], parts[1], None, None
    return None, value, None, None


def _reference(table: Any, raw: str, criterion: Criterion, ctx: SearchContext) -> ColumnElement[bool]:
    res_type, res_id, version, url = parse_reference(raw, ctx.base_url)
    if url is not None:
        condition = table.c.url == url
        if version is not None:
            condition = and_(condition, table.c.target_version == version)
        return condition
    conditions = [table.c.target_id == res_id]
    wanted_type = res_type or criterion.target_type
    if res_type and criterion.target_type and res_type != criterion.target_type:
        return false()
    if wanted_type:
        conditions.append(table.c.target_type == wanted_type)
    if version is not None:
        conditions.append(table.c.target_version == version)
    return and_(*conditions)


# -- composite, chains, reverse chains -----------------------------------------------------


def _composite_pks(criterion: Criterion, ctx: SearchContext) -> Select:
    """Resources with one element matching every component of one of the OR-ed values.

    Components of one element share a ``grp`` number in the index (see index
    extraction), so requiring the same ``grp`` keeps "code X with value > 5" from
    matching code X in one component and a value > 5 in another.
    """
    param = criterion.param
    alternatives = []
    for raw in criterion.values:
        parts = split_composite(raw)
        first = None
        conditions = []
        for index, (component, part) in enumerate(zip(param.components, parts, strict=True)):
            table = TABLE_BY_TYPE[component.type].alias(f"c{index}")
            sub = Criterion(component, criterion.res_type, None, (part,))
            value = _value_condition(sub, table, part, ctx, negated=False)
            conditions += [
                table.c.res_type == criterion.res_type,
                table.c.param == f"{param.code}#{index}",
                value,
            ]
            if first is None:
                first = table
            else:
                conditions += [table.c.resource_pk == first.c.resource_pk, table.c.grp == first.c.grp]
        assert first is not None
        alternatives.append(select(first.c.resource_pk).where(*conditions))
    if len(alternatives) == 1:
        return alternatives[0]
    from sqlalchemy import union

    return select(union(*alternatives).subquery().c[0])


def _chain_condition(criterion: Criterion, pk: Any, ctx: SearchContext) -> ColumnElement[bool]:
    assert criterion.chain is not None
    target = resource.alias("chained")
    inner = criterion_condition(criterion.chain, target.c.pk, target.c.res_id, ctx)
    target_ids = select(target.c.res_id).where(
        target.c.res_type == criterion.target_type, target.c.deleted == false(), inner
    )
    ref = idx_reference
    return pk.in_(
        select(ref.c.resource_pk).where(
            ref.c.res_type == criterion.res_type,
            ref.c.param == criterion.param.code,
            ref.c.target_type == criterion.target_type,
            ref.c.target_id.in_(target_ids),
        )
    )


def _has_condition(criterion: HasCriterion, res_id: Any, ctx: SearchContext) -> ColumnElement[bool]:
    ref = idx_reference.alias("has_ref")
    source = resource.alias("has_source")
    inner = criterion_condition(criterion.inner, ref.c.resource_pk, source.c.res_id, ctx)
    if isinstance(criterion.inner, HasCriterion):
        # The nested _has tests the source's id, so join the source row for it.
        linked = select(ref.c.target_id).where(
            source.c.pk == ref.c.resource_pk,
            ref.c.res_type == criterion.source_type,
            ref.c.param == criterion.reference_param.code,
            ref.c.target_type == criterion.res_type,
            inner,
        )
    else:
        linked = select(ref.c.target_id).where(
            ref.c.res_type == criterion.source_type,
            ref.c.param == criterion.reference_param.code,
            ref.c.target_type == criterion.res_type,
            inner,
        )
    return res_id.in_(linked)
