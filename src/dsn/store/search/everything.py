"""``Patient/$everything`` and ``Observation/$lastn``, read through the patient key.

Both start from the rows that carry the patient's key (every patient-owned resource
and index row has it), so their cost follows the size of one patient's record, not
of the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, case, false, func, select, tuple_, union

from dsn.store.records import StoredResource
from dsn.store.schema import idx_date, idx_reference, idx_token, resource
from dsn.store.search.conditions import SearchContext
from dsn.store.search.executor import Visibility, _load, base_conditions
from dsn.store.search.query import SearchQuery


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
) -> EverythingPage:
    """One page (by key order) of the patient's compartment and the resources it refers to."""
    pairs = [(res_type, param) for res_type, params in compartment_params.items() for param in params]
    owned = select(resource.c.pk).where(resource.c.patient_key == patient_id)
    shared = select(idx_reference.c.resource_pk).where(
        idx_reference.c.target_type == "Patient",
        idx_reference.c.target_id == patient_id,
        tuple_(idx_reference.c.res_type, idx_reference.c.param).in_(pairs),
    )
    target = resource.alias("referenced")
    referenced = (
        select(target.c.pk)
        .select_from(idx_reference)
        .join(
            target,
            (target.c.res_type == idx_reference.c.target_type) & (target.c.res_id == idx_reference.c.target_id),
        )
        .where(idx_reference.c.patient_key == patient_id, idx_reference.c.target_type != "Patient")
    )
    members = union(owned, shared, referenced).subquery("members")
    conditions = [resource.c.pk.in_(select(members.c[0])), resource.c.deleted == false()]
    if since is not None:
        conditions.append(resource.c.last_updated >= since)
    if types:
        conditions.append(resource.c.res_type.in_(types))
    if visibility is not None:
        conditions.append(visibility(resource))
    total = None
    if with_total:
        total = conn.execute(select(func.count()).select_from(resource).where(*conditions)).scalar_one()
    pks = list(
        conn.execute(
            select(resource.c.pk).where(*conditions, resource.c.pk > after).order_by(resource.c.pk).limit(count + 1)
        ).scalars()
    )
    more = len(pks) > count
    pks = pks[:count]
    return EverythingPage(_load(conn, pks), pks[-1] if more and pks else None, total)


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
    return _load(conn, pks)
