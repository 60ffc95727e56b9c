"""Compile search criteria into SQL conditions on a resource row.

Each criterion becomes ``pk IN (SELECT resource_pk FROM idx_<type> WHERE ...)``: the
database starts from the selective index lookup and semi-joins it to the resources.
OR-ed values share one subquery; AND-ed criteria are separate subqueries. Only the
negations that the spec defines on the whole resource (``:not``, ``:missing=true``)
become ``NOT EXISTS``, so that resources with no value at all match them; the ``ne``
prefix is a comparison like the others, true of a value that differs.

Every subquery reads its index table through an alias of its own, so that nested
subqueries (chains, ``_has``) never correlate with an enclosing one by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, false, or_, select, true, union
from sqlalchemy.sql.elements import ColumnClause

from dsn.fhir.text_normalization import normalize_string
from dsn.store.mpi_schema import mpi_merge
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
from dsn.store.search.query import AnyOf, Criterion, HasCriterion, ListCriterion, SearchCriterion
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
    """What value compilation needs to know about the server and the caller.

    ``visibility`` is the caller's row condition (access policy and consent); it is
    applied to the resources a chain, ``_has`` or ``_list`` looks through, so that a
    search cannot reveal, by what it matches, data the caller may not see.
    """

    base_url: str
    now_us: int
    visibility: Any = None
    # Patients merged into a given patient (``Patient/$merge``), resolved before the SQL is
    # built so that a reference condition stays one indexable ``IN`` list; None: let the
    # database resolve them in a subquery (slower: the OR keeps the planner off the index).
    merged_sources: Callable[[str], tuple[str, ...]] | None = None


class MergedPatients:
    """The open merges into each patient id, read once per id on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, patient_id: str) -> tuple[str, ...]:
        if patient_id not in self.cache:
            rows = self.conn.execute(
                select(mpi_merge.c.source_id).where(
                    mpi_merge.c.target_id == patient_id, mpi_merge.c.unmerged_at.is_(None)
                )
            ).scalars()
            self.cache[patient_id] = tuple(sorted(rows))
        return self.cache[patient_id]


def criterion_condition(
    criterion: SearchCriterion,
    pk: ColumnClause | Any,
    res_id: ColumnClause | Any,
    ctx: SearchContext,
) -> ColumnElement[bool]:
    """A condition true for the resource whose key is ``pk`` (and id ``res_id``)."""
    if isinstance(criterion, AnyOf):
        return or_(*(criterion_condition(item, pk, res_id, ctx) for item in criterion.alternatives))
    if isinstance(criterion, HasCriterion):
        return _has_condition(criterion, res_id, ctx)
    if isinstance(criterion, ListCriterion):
        return _list_condition(criterion, res_id, ctx)
    if criterion.chain is not None:
        return _chain_condition(criterion, pk, ctx)
    if criterion.modifier == "missing":
        return _missing_condition(criterion, pk)
    if criterion.param.type == "composite":
        return pk.in_(_composite_pks(criterion, ctx))
    return _value_criterion(criterion, pk, ctx)


def _value_criterion(criterion: Criterion, pk: Any, ctx: SearchContext) -> ColumnElement[bool]:
    param = criterion.param
    base = TABLE_BY_TYPE.get(param.type)
    if base is None:
        return false()
    column_param = param.code
    if criterion.modifier == "of-type":
        column_param = f"{param.code}:of-type"
    if criterion.modifier == "identifier":
        base, column_param = idx_token, f"{param.code}:identifier"
    table = base.alias()
    alternatives = [_value_condition(criterion, table, raw, ctx) for raw in criterion.values]
    subquery = select(table.c.resource_pk).where(
        table.c.res_type == criterion.res_type,
        table.c.param == column_param,
        or_(*alternatives),
    )
    return _absent(table, pk, subquery) if criterion.modifier == "not" else pk.in_(subquery)


def _missing_condition(criterion: Criterion, pk: Any) -> ColumnElement[bool]:
    """``:missing=true`` → no index row for the parameter; ``false`` → at least one.

    A composite is present when its first component is (components of one element are
    indexed together or not at all).
    """
    param = criterion.param
    code = param.code
    if param.type == "composite":
        base = TABLE_BY_TYPE[param.components[0].type]
        code = f"{param.code}#0"
    else:
        base = TABLE_BY_TYPE.get(param.type, idx_token)
    table = base.alias()
    present = select(table.c.resource_pk).where(table.c.res_type == criterion.res_type, table.c.param == code)
    return _absent(table, pk, present) if criterion.values == ("true",) else pk.in_(present)


def _absent(table: Any, pk: Any, rows: Select) -> ColumnElement[bool]:
    """No row of ``rows`` belongs to the resource: ``NOT EXISTS``, correlated on its key.

    Both databases plan this as an anti-join; ``NOT IN`` would make PostgreSQL hash the
    whole subquery (or, past ``work_mem``, rescan it for every resource).
    """
    return ~rows.where(table.c.resource_pk == pk).exists()


def _value_condition(criterion: Criterion, table: Any, raw: str, ctx: SearchContext) -> ColumnElement[bool]:
    kind = criterion.param.type
    modifier = criterion.modifier
    if modifier == "identifier":
        return _token(table, raw, None)
    if kind == "string":
        return _string(table, raw, modifier)
    if kind in ("token", "special"):
        return _token(table, raw, modifier)
    if kind == "date":
        prefix, value = split_prefix(raw)
        return _date(table, prefix, value, ctx)
    if kind == "number":
        prefix, value = split_prefix(raw)
        return _number(table, prefix, number_value(value))
    if kind == "quantity":
        return _quantity(table, raw)
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
    """The R4 prefix rules, comparing the searched range with the stored one.

    ``gt``: the range above the searched one overlaps the stored range (the stored
    range ends after it); ``sa``: the stored range starts after it; ``ne``: the
    searched range does not contain the stored one.
    """
    searched = date_range(raw)
    low, high = table.c.low, table.c.high
    equal = and_(low >= searched.low, high <= searched.high)
    if prefix == "eq":
        return equal
    if prefix == "ne":
        return or_(low < searched.low, high > searched.high)
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
    """A number or quantity row: a point (``value``) or, for a Range, ``low``..``high``."""
    value = table.c.value
    return or_(
        and_(value.is_not(None), _point(value, prefix, number)),
        and_(value.is_(None), _span(table.c.low, table.c.high, prefix, number)),
    )


def _point(value: Any, prefix: str, number: Any) -> ColumnElement[bool]:
    """``eq`` uses the searched value's implicit precision (5.4 → [5.35, 5.45)).

    The other comparisons ignore it, as the spec says for lt, gt, le, ge and ne.
    """
    if prefix == "eq":
        return and_(value >= number.low, value < number.high)
    if prefix == "ne":
        return value != number.value
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


def _span(low: Any, high: Any, prefix: str, number: Any) -> ColumnElement[bool]:
    """A stored Range [low, high] (open ends are infinite), compared as dates are.

    ``eq``: the searched precision range contains it; ``gt``: it reaches above the
    value; ``sa``: it starts after it; ``ap``: it overlaps the value ± 10%.
    """
    contained = and_(low >= number.low, high < number.high)
    if prefix == "eq":
        return contained
    if prefix == "ne":
        return or_(low < number.low, high >= number.high)
    if prefix == "gt":
        return high > number.value
    if prefix == "lt":
        return low < number.value
    if prefix == "ge":
        return high >= number.value
    if prefix == "le":
        return low <= number.value
    if prefix == "sa":
        return low > number.value
    if prefix == "eb":
        return high < number.value
    if prefix == "ap":
        margin = abs(number.value) * APPROXIMATE
        return and_(low <= number.value + margin, high >= number.value - margin)
    return false()


def _quantity(table: Any, raw: str) -> ColumnElement[bool]:
    """``5.4``, ``5.4|system|code``, or ``5.4||unit`` (the code or the unit, any system)."""
    prefix, value = split_prefix(raw)
    quantity = quantity_value(value)
    condition = _number(table, prefix, quantity.number)
    if quantity.system is not None:
        condition = and_(condition, table.c.system == quantity.system)
    if quantity.code is not None:
        unit_matches = table.c.code == quantity.code
        if quantity.system is None:
            unit_matches = or_(unit_matches, table.c.unit == quantity.code)
        condition = and_(condition, unit_matches)
    return condition


def _uri(table: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    """Exact match, or a match by whole path segments for ``:below`` and ``:above``.

    ``url:below=http://acme.org/fhir`` finds ``.../fhir`` and ``.../fhir/ValueSet/1``
    but not ``.../fhirs``; ``:above`` finds the stored URLs that are such a prefix of
    the searched one (each is listed, so the index serves the lookup).
    """
    if modifier == "below":
        stem = value.rstrip("/")
        return or_(table.c.value == stem, table.c.value.like(f"{like_escape(stem)}/%", escape="\\"))
    if modifier == "above":
        return table.c.value.in_(_uri_ancestors(value))
    return table.c.value == value


def _uri_ancestors(value: str) -> list[str]:
    """``http://a.org/x/y`` → itself and ``http://a.org/x``, ``http://a.org`` (with and without '/')."""
    scheme, separator, rest = value.partition("://")
    head = f"{scheme}{separator}" if separator else ""
    segments = (rest if separator else value).rstrip("/").split("/")
    found = []
    for end in range(len(segments), 0, -1):
        prefix = head + "/".join(segments[:end])
        found += [prefix, prefix + "/"]
    return found


def parse_reference(raw: str, base_url: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(type, id, version, url) for a reference search value in any of its forms.

    A URL on this server's base is read as the relative reference it stands for.
    """
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


def local_target(ref: Any, ctx: SearchContext) -> ColumnElement[bool]:
    """The reference row points at a resource of this server.

    Relative references have no URL; absolute ones on this server's base keep it.
    ``http://elsewhere/fhir/Patient/1`` is another server's patient, not ours.
    """
    base = like_escape(ctx.base_url.rstrip("/") + "/")
    return or_(ref.c.url.is_(None), ref.c.url.like(f"{base}%", escape="\\"))


def _reference(table: Any, raw: str, criterion: Criterion, ctx: SearchContext) -> ColumnElement[bool]:
    res_type, res_id, version, url = parse_reference(raw, ctx.base_url)
    if url is not None:
        condition = table.c.url == url
        if version is not None:
            condition = and_(condition, table.c.target_version == version)
        return condition
    if res_type and criterion.target_type and res_type != criterion.target_type:
        return false()
    wanted_type = res_type or criterion.target_type
    same_id = table.c.target_id == res_id
    if wanted_type in (None, "Patient") and version is None:
        # References to a patient merged into this one count as references to it.
        if ctx.merged_sources is None:
            merged: Any = select(mpi_merge.c.source_id).where(
                mpi_merge.c.target_id == res_id, mpi_merge.c.unmerged_at.is_(None)
            )
            same_id = or_(same_id, and_(table.c.target_type == "Patient", table.c.target_id.in_(merged)))
        elif sources := ctx.merged_sources(res_id):
            if wanted_type == "Patient":
                same_id = table.c.target_id.in_((res_id, *sources))
            else:
                same_id = or_(same_id, and_(table.c.target_type == "Patient", table.c.target_id.in_(sources)))
    conditions = [same_id, local_target(table, ctx)]
    if wanted_type:
        conditions.append(table.c.target_type == wanted_type)
    if version is not None:
        conditions.append(table.c.target_version == version)
    return and_(*conditions)


# -- composite, chains, reverse chains, lists ------------------------------------------------


def _composite_pks(criterion: Criterion, ctx: SearchContext) -> Select:
    """Resources with one element matching every component of one of the OR-ed values.

    Components of one element share a ``grp`` number in the index (see index
    extraction), so requiring the same ``grp`` keeps "code X with value > 5" from
    matching code X in one component and a value > 5 in another.
    """
    alternatives = [_composite_alternative(criterion, raw, ctx) for raw in criterion.values]
    if len(alternatives) == 1:
        return alternatives[0]
    return select(union(*alternatives).subquery().c[0])


def _composite_alternative(criterion: Criterion, raw: str, ctx: SearchContext) -> Select:
    param = criterion.param
    first = None
    conditions: list[ColumnElement[bool]] = []
    for index, (component, part) in enumerate(zip(param.components, split_composite(raw), strict=True)):
        table = TABLE_BY_TYPE[component.type].alias()
        sub = Criterion(component, criterion.res_type, None, (part,))
        conditions += [
            table.c.res_type == criterion.res_type,
            table.c.param == f"{param.code}#{index}",
            _value_condition(sub, table, part, ctx),
        ]
        if first is None:
            first = table
        else:
            conditions += [table.c.resource_pk == first.c.resource_pk, table.c.grp == first.c.grp]
    assert first is not None
    return select(first.c.resource_pk).where(*conditions)


def _chain_condition(criterion: Criterion, pk: Any, ctx: SearchContext) -> ColumnElement[bool]:
    """``subject:Patient.name=x``: references to live Patients matching ``name=x``."""
    assert criterion.chain is not None
    target = resource.alias()
    inner = criterion_condition(criterion.chain, target.c.pk, target.c.res_id, ctx)
    target_ids = select(target.c.res_id).where(
        target.c.res_type == criterion.target_type, target.c.deleted == false(), inner, *_visible(target, ctx)
    )
    ref = idx_reference.alias()
    return pk.in_(
        select(ref.c.resource_pk).where(
            ref.c.res_type == criterion.res_type,
            ref.c.param == criterion.param.code,
            ref.c.target_type == criterion.target_type,
            ref.c.target_id.in_(target_ids),
            local_target(ref, ctx),
        )
    )


def _has_condition(criterion: HasCriterion, res_id: Any, ctx: SearchContext) -> ColumnElement[bool]:
    """``_has:Observation:patient:code=x``: the ids that matching Observations refer to.

    The inner criterion is tested on the referring resource's key, read from the
    reference row itself; the resource row is joined only when it is needed: for the
    caller's visibility, or when the inner criterion needs the id too (a nested
    ``_has`` or ``_list``).
    """
    ref = idx_reference.alias()
    conditions = [
        ref.c.res_type == criterion.source_type,
        ref.c.param == criterion.reference_param.code,
        ref.c.target_type == criterion.res_type,
        local_target(ref, ctx),
    ]
    if ctx.visibility is not None or _needs_id(criterion.inner):
        source = resource.alias()
        inner = criterion_condition(criterion.inner, source.c.pk, source.c.res_id, ctx)
        conditions += [source.c.pk == ref.c.resource_pk, source.c.deleted == false(), inner, *_visible(source, ctx)]
    else:
        conditions.append(criterion_condition(criterion.inner, ref.c.resource_pk, None, ctx))
    return res_id.in_(select(ref.c.target_id).where(*conditions))


def _needs_id(criterion: SearchCriterion) -> bool:
    if isinstance(criterion, AnyOf):
        return any(_needs_id(item) for item in criterion.alternatives)
    return isinstance(criterion, HasCriterion | ListCriterion)


def _visible(table: Any, ctx: SearchContext) -> list[ColumnElement[bool]]:
    return [ctx.visibility(table)] if ctx.visibility is not None else []


def _list_condition(criterion: ListCriterion, res_id: Any, ctx: SearchContext) -> ColumnElement[bool]:
    """``_list=id``: the ids of this type that the (live) List's ``item`` refers to."""
    ref = idx_reference.alias()
    owner = resource.alias()
    items = select(ref.c.target_id).where(
        owner.c.pk == ref.c.resource_pk,
        owner.c.res_type == "List",
        owner.c.res_id.in_(criterion.list_ids),
        owner.c.deleted == false(),
        *_visible(owner, ctx),
        ref.c.res_type == "List",
        ref.c.param == "item",
        ref.c.target_type == criterion.res_type,
        local_target(ref, ctx),
    )
    return res_id.in_(items)
