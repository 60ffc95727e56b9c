"""``Patient/$everything`` and ``Observation/$lastn``, read through the patient key.

Both start from the rows that carry the patient's key (every patient-owned resource
and index row has it), so their cost follows the size of one patient's record, not
of the database.

``$everything`` is the union of three sets of resources, each read through an index
and filtered (deleted, ``_since``, ``_type``, visibility, page position) on its own:

* *owned*: the resources whose patient key is the patient (``ix_resource_patient``);
* *shared*: resources of another patient's key that name this patient in a compartment
  parameter (``ix_idx_reference_lookup``, which starts with the target id);
* *referenced*: what the patient's resources refer to outside their record
  (organizations, practitioners, medications): the distinct targets of the patient's
  reference rows (``ix_idx_reference_patient``) less the patient's own resources.

The first page reads every key once and counts them, rather than running the union
twice (count, then page); later pages continue after the last key (``pk > after``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, case, except_, false, func, literal, or_, select, union

from dsn.store.records import StoredResource
from dsn.store.schema import idx_date, idx_reference, idx_token, resource
from dsn.store.search.conditions import SearchContext
from dsn.store.search.executor import Visibility, base_conditions
from dsn.store.search.query import SearchQuery
from dsn.store.session import load_current


@dataclass(slots=True)
class EverythingPage:
    entries: list[StoredResource]
    next_after: int | None
    total: int | None


def everything(
    conn: Connection,
    patient_id: str,
    compartment_params: dict[str, tuple[str, ...]],
    *,
    since: int | None = None,
    types: tuple[str, ...] = (),
    after: int = 0,
    count: int = 100,
    with_total: bool = False,
    visibility: Visibility | None = None,
    merged: tuple[str, ...] = (),
) -> EverythingPage:
    """One page (by key order) of the patient's compartment and the resources it refers to.

    ``merged`` names patients merged into this one: their records are part of it.

    ``with_total`` reads every member's key (the total counts them all), and the page
    is cut from that list; otherwise the page is read from ``after`` on.
    """
    start = 0 if with_total else after

    def kept(table: Any) -> list[ColumnElement[bool]]:
        """What every member must also satisfy, on its own resource row."""
        conditions: list[ColumnElement[bool]] = [table.c.deleted == false(), table.c.pk > start]
        if since is not None:
            conditions.append(table.c.last_updated >= since)
        if types:
            conditions.append(table.c.res_type.in_(types))
        if visibility is not None:
            conditions.append(visibility(table))
        return conditions

    selects = [select for pid in (patient_id, *merged) for select in _member_keys(pid, compartment_params, kept)]
    members = union(*selects).subquery("members")
    ordered = select(members.c.pk).order_by(members.c.pk)
    total = None
    if with_total:
        every = list(conn.execute(ordered).scalars())
        total = len(every)
        pks = [pk for pk in every if pk > after][: count + 1]
    else:
        pks = list(conn.execute(ordered.limit(count + 1)).scalars())
    more = len(pks) > count
    pks = pks[:count]
    return EverythingPage(load_current(conn, pks), pks[-1] if more and pks else None, total)


def _member_keys(
    patient_id: str,
    compartment_params: dict[str, tuple[str, ...]],
    kept: Callable[[Any], list[ColumnElement[bool]]],
) -> list[Select]:
    """The three selects of member keys (owned, shared, referenced) described above."""
    owned_row = resource.alias("owned")
    owned = select(owned_row.c.pk.label("pk")).where(owned_row.c.patient_key == patient_id, *kept(owned_row))

    # Matching (type, parameter) as one string keeps the index lookup on the target id
    # alone: a row-value IN list of ~100 pairs is planned as ~100 OR-ed index probes.
    pairs = sorted(f"{res_type}.{code}" for res_type, codes in compartment_params.items() for code in codes)
    link = idx_reference.alias("link")
    shared_row = resource.alias("shared")
    shared = select(shared_row.c.pk.label("pk")).where(
        shared_row.c.pk == link.c.resource_pk,
        link.c.target_id == patient_id,
        link.c.target_type == "Patient",
        or_(link.c.patient_key.is_(None), link.c.patient_key != patient_id),
        (link.c.res_type + literal(".") + link.c.param).in_(pairs),
        *kept(shared_row),
    )

    out = idx_reference.alias("out")
    own = resource.alias("own")
    outside = except_(
        select(out.c.target_type, out.c.target_id).where(
            out.c.patient_key == patient_id, out.c.target_type != "Patient"
        ),
        select(own.c.res_type, own.c.res_id).where(own.c.patient_key == patient_id),
    ).subquery("outside")
    target = resource.alias("referenced")
    referenced = select(target.c.pk.label("pk")).where(
        target.c.res_type == outside.c.target_type,
        target.c.res_id == outside.c.target_id,
        *kept(target),
    )
    return [owned, shared, referenced]


def last_n(
    conn: Connection,
    query: SearchQuery,
    ctx: SearchContext,
    *,
    patient_id: str | None,
    max_per_code: int,
    visibility: Visibility | None = None,
) -> list[StoredResource]:
    """The latest ``max_per_code`` Observations per code among those matching ``query``.

    "Latest" is by the effective date's upper bound; Observations without a date rank
    last. An Observation coded in several systems counts once per coding.
    """
    conditions = base_conditions(query, ctx, None, visibility)
    if patient_id is not None:
        conditions.append(resource.c.patient_key == patient_id)
    matches = select(resource.c.pk).where(*conditions).subquery("matches")
    code = idx_token.alias("code")
    when = idx_date.alias("effective")
    latest = func.max(when.c.high).label("effective_high")
    dated = (
        select(code.c.resource_pk, code.c.system, code.c.code, latest)
        .select_from(code)
        .join(matches, matches.c.pk == code.c.resource_pk)
        .outerjoin(
            when,
            (when.c.resource_pk == code.c.resource_pk) & (when.c.param == "date") & (when.c.res_type == "Observation"),
        )
        .where(code.c.res_type == "Observation", code.c.param == "code", code.c.code.is_not(None))
        .group_by(code.c.resource_pk, code.c.system, code.c.code)
        .subquery("dated")
    )
    rank = (
        func.row_number()
        .over(
            partition_by=(dated.c.system, dated.c.code),
            order_by=(
                case((dated.c.effective_high.is_(None), 1), else_=0),
                dated.c.effective_high.desc(),
                dated.c.resource_pk.desc(),
            ),
        )
        .label("rank")
    )
    ranked = select(dated.c.resource_pk, dated.c.system, dated.c.code, rank).subquery("ranked")
    rows = conn.execute(
        select(ranked.c.resource_pk)
        .where(ranked.c.rank <= max_per_code)
        .order_by(ranked.c.system, ranked.c.code, ranked.c.rank)
    ).scalars()
    pks = list(dict.fromkeys(rows))
    return load_current(conn, pks)
