"""The MPI index: each Patient's features and blocking keys, kept in step with Patient writes.

Written in the same transaction as the Patient (the record service's write hook calls
:func:`index_patient`), so a patient is findable by ``$match`` from the moment it is
committed and never after it is deleted.  :func:`rebuild` fills the index for data
written before it existed, or after the features changed (``FEATURES_VERSION``).

Rows are keyed by the Patient's id, not the resource ``pk``: a create inside a
transaction Bundle gets its ``pk`` only when the session flushes, and the hook runs
before that.  A Patient that has been merged away (``link.type = replaced-by``) is not
indexed: its survivor is the one to find.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

import orjson
from sqlalchemy import BigInteger, ColumnElement, Connection, Engine, String, any_, bindparam, delete, select
from sqlalchemy.dialects.postgresql import ARRAY

from dsn.mpi.blocking import key_hashes
from dsn.mpi.features import FEATURES_VERSION, PatientFeatures, extract
from dsn.store.bulk import insert_rows
from dsn.store.clock import now_us
from dsn.store.mpi_schema import mpi_block_key, mpi_candidate, mpi_model
from dsn.store.records import StoredResource
from dsn.store.schema import resource

__all__ = [
    "MAX_CANDIDATES",
    "candidate_features",
    "index_patient",
    "index_resources",
    "indexed_features",
    "rebuild",
    "remove_patient",
    "remove_patients",
    "stored_model",
]

MAX_CANDIDATES: Final = 2000
"""Safety cap on the candidates of one query; with the blocking keys of
:mod:`dsn.mpi.blocking` real blocks hold a handful, so only a degenerate record (no
name, no date) could reach it."""

_ID_CHUNK: Final = 500  # ids per IN list: well under SQLite's bound-parameter limit


def index_patient(conn: Connection, stored: StoredResource) -> None:
    """Bring the index in line with one written Patient version (create, update or delete).

    Call it in the transaction that wrote ``stored``; other resource types are ignored,
    so the hook may pass every write.
    """
    if stored.res_type != "Patient":
        return
    body = None if stored.deleted else stored.resource
    if body is None or _merged_away(body):
        remove_patients(conn, [stored.res_id])
        return
    index_resources(conn, [{**body, "id": stored.res_id}])


def remove_patient(conn: Connection, patient_id: str) -> None:
    """Drop one patient from the index (deleted, or merged into another record)."""
    remove_patients(conn, [patient_id])


def remove_patients(conn: Connection, patient_ids: Sequence[str]) -> None:
    for chunk in _chunks(list(patient_ids), _ID_CHUNK):
        conn.execute(delete(mpi_block_key).where(mpi_block_key.c.patient_id.in_(chunk)))
        conn.execute(delete(mpi_candidate).where(mpi_candidate.c.patient_id.in_(chunk)))


def index_resources(conn: Connection, patients: Iterable[dict[str, Any]], *, replace: bool = True) -> int:
    """Index Patient resources (each with its ``id``) in bulk; returns how many were indexed.

    ``replace=False`` skips deleting previous rows: for a first load into an empty index.
    """
    features = [extract(body) for body in patients if isinstance(body.get("id"), str) and not _merged_away(body)]
    if replace:
        remove_patients(conn, [f.patient_id for f in features if f.patient_id])
    now = now_us()
    candidate_rows: list[dict[str, Any]] = []
    key_rows: list[dict[str, Any]] = []
    for item in features:
        assert item.patient_id is not None
        candidate_rows.append(_candidate_row(item, now))
        key_rows.extend({"key_hash": h, "patient_id": item.patient_id} for h in key_hashes(item))
    insert_rows(conn, mpi_candidate, candidate_rows)
    insert_rows(conn, mpi_block_key, key_rows)
    return len(candidate_rows)


def _candidate_row(item: PatientFeatures, now: int) -> dict[str, Any]:
    return {
        "patient_id": item.patient_id,
        "nam": item.nam[:16] if item.nam else None,
        "birth_date": item.birth_date,
        "sex": item.sex,
        "family_key": item.family[0].key[:32] if item.family else None,
        "given_key": item.given[0].key[:32] if item.given else None,
        "postal_prefix": item.postal_codes[0][:3] if item.postal_codes else None,
        "features": item.to_json(),
        "version": FEATURES_VERSION,
        "updated": now,
    }


def _merged_away(body: dict[str, Any]) -> bool:
    links = body.get("link")
    return isinstance(links, list) and any(
        isinstance(link, dict) and link.get("type") == "replaced-by" for link in links
    )


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def one_of(conn: Connection, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values``: ``= ANY(array)`` on PostgreSQL, ``IN (...)`` elsewhere.

    One array parameter instead of thousands of placeholders: a batch of the dedupe scan
    looks up ~10,000 key hashes, and rendering that many placeholders cost more than the
    query.  Callers keep lists under SQLite's parameter limit.
    """
    if conn.dialect.name == "postgresql":
        element = BigInteger() if isinstance(column.type, BigInteger) else String()
        return column == any_(bindparam(None, list(values), type_=ARRAY(element)))
    return column.in_(list(values))


# --------------------------------------------------------------------------- reading


def candidate_features(
    conn: Connection, hashes: Sequence[int], *, limit: int = MAX_CANDIDATES
) -> list[PatientFeatures]:
    """Indexed patients sharing at least one of the blocking key ``hashes``.

    One statement: the key table's primary key answers the inner lookup from the index
    alone, and the outer one is a primary-key fetch of a few rows.
    """
    if not hashes:
        return []
    sharing = select(mpi_block_key.c.patient_id).where(one_of(conn, mpi_block_key.c.key_hash, hashes))
    rows = conn.execute(
        select(mpi_candidate.c.patient_id, mpi_candidate.c.features)
        .where(mpi_candidate.c.patient_id.in_(sharing))
        .limit(limit)
    ).all()
    return [PatientFeatures.from_json(row.patient_id, row.features) for row in rows]


def indexed_features(conn: Connection, patient_ids: Sequence[str]) -> dict[str, PatientFeatures]:
    """Features of the given indexed patients, by id (absent ids are left out)."""
    found: dict[str, PatientFeatures] = {}
    for chunk in _chunks(list(dict.fromkeys(patient_ids)), _ID_CHUNK):
        rows = conn.execute(
            select(mpi_candidate.c.patient_id, mpi_candidate.c.features).where(
                one_of(conn, mpi_candidate.c.patient_id, chunk)
            )
        )
        for row in rows:
            found[row.patient_id] = PatientFeatures.from_json(row.patient_id, row.features)
    return found


def stored_model(conn: Connection) -> dict[str, Any] | None:
    """The parameters ``dsn mpi train`` stored, or None."""
    text = conn.execute(select(mpi_model.c.params).where(mpi_model.c.name == "default")).scalar_one_or_none()
    return orjson.loads(text) if text else None


# --------------------------------------------------------------------------- rebuild


def rebuild(
    engine: Engine,
    *,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Re-index every current Patient, batch by batch (one transaction each); returns the count.

    The index is emptied first, so patients deleted meanwhile disappear from it; writes
    that happen during the rebuild index themselves through the hook, and a batch
    replaces whatever rows its patients already have, so nothing is indexed twice.
    """
    with engine.begin() as conn:
        conn.execute(delete(mpi_block_key))
        conn.execute(delete(mpi_candidate))
    last_pk = 0
    total = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(resource.c.pk, resource.c.res_id, resource.c.body)
                .where(resource.c.res_type == "Patient", resource.c.deleted.is_(False), resource.c.pk > last_pk)
                .order_by(resource.c.pk)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            last_pk = rows[-1].pk
            bodies = [{**orjson.loads(row.body), "id": row.res_id} for row in rows if row.body]
            total += index_resources(conn, bodies, replace=True)
        if progress is not None:
            progress(total)
    return total
