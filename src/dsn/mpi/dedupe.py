"""Duplicate detection over the whole index, in batches, and the review list it feeds.

:func:`blocked_pairs` walks the index in ``patient_id`` order, a batch at a time: for
the batch's patients it looks up every patient sharing a blocking key (one indexed query
per batch) and yields each pair once, from its smaller id.  It is ``$match`` run for
every patient — same keys, same comparisons, same weights — so the review list says
what ``$match`` would say, but batched so that a full scan costs a few queries per
thousand patients rather than one per patient.

:func:`dedupe` grades the pairs and writes those at or above a grade to ``mpi_review``:
new pairs are added as ``open``, open pairs are refreshed (or dropped when no longer
found), and pairs a person already decided on are left alone, so a decision
``not-duplicate`` is never raised again.  Training (:mod:`dsn.mpi.training`) uses the
same pairs.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, TextIO

import orjson
from sqlalchemy import Connection, Engine, delete, select, update

from dsn.mpi.blocking import key_hashes
from dsn.mpi.features import PatientFeatures
from dsn.mpi.grades import GRADES, Grade, Thresholds
from dsn.mpi.index import indexed_features, one_of
from dsn.mpi.match import MatchCandidate, score_pair
from dsn.mpi.parameters import current_parameters
from dsn.mpi.scoring import Model
from dsn.store.bulk import insert_rows
from dsn.store.clock import now_us
from dsn.store.mpi_schema import mpi_block_key, mpi_candidate, mpi_review

__all__ = ["DedupeReport", "ReviewPair", "blocked_pairs", "dedupe", "scored_pairs", "write_csv"]

_HASH_CHUNK: Final = 5000
MAX_BLOCK: Final = 500
"""A key shared by more patients than this is skipped for the scan (it would mean a
degenerate key, e.g. a placeholder name and date typed for many unknown patients)."""


def blocked_pairs(
    conn: Connection,
    *,
    batch_size: int = 1000,
    max_patients: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[PatientFeatures, PatientFeatures]]:
    """Every pair of indexed patients sharing a blocking key, once each (smaller id first).

    ``max_patients`` stops after that many patients have been the smaller side: since ids
    are random UUIDs, a sample of the index (what training needs on a large database).
    """
    after = ""
    seen = 0
    while max_patients is None or seen < max_patients:
        limit = batch_size if max_patients is None else min(batch_size, max_patients - seen)
        rows = conn.execute(
            select(mpi_candidate.c.patient_id, mpi_candidate.c.features)
            .where(mpi_candidate.c.patient_id > after)
            .order_by(mpi_candidate.c.patient_id)
            .limit(limit)
        ).all()
        if not rows:
            return
        after = rows[-1].patient_id
        seen += len(rows)
        batch = [PatientFeatures.from_json(row.patient_id, row.features) for row in rows]
        yield from _batch_pairs(conn, batch)
        if progress is not None:
            progress(seen)


def _batch_pairs(conn: Connection, batch: list[PatientFeatures]) -> Iterator[tuple[PatientFeatures, PatientFeatures]]:
    hashes_of = {item.patient_id: key_hashes(item) for item in batch}
    members: dict[int, list[str]] = {}
    wanted = sorted({h for hashes in hashes_of.values() for h in hashes})
    for start in range(0, len(wanted), _HASH_CHUNK):
        chunk = wanted[start : start + _HASH_CHUNK]
        for key_hash, patient_id in conn.execute(
            select(mpi_block_key.c.key_hash, mpi_block_key.c.patient_id).where(
                one_of(conn, mpi_block_key.c.key_hash, chunk)
            )
        ):
            members.setdefault(key_hash, []).append(patient_id)
    partners: dict[str, set[str]] = {}
    for item in batch:
        assert item.patient_id is not None
        found: set[str] = set()
        for h in hashes_of[item.patient_id]:
            block = members.get(h, ())
            if len(block) <= MAX_BLOCK:
                found.update(other for other in block if other > item.patient_id)
        partners[item.patient_id] = found
    known = {item.patient_id: item for item in batch}
    missing = {other for found in partners.values() for other in found if other not in known}
    known.update(indexed_features(conn, sorted(missing)))
    for item in batch:
        assert item.patient_id is not None
        for other in sorted(partners[item.patient_id]):
            if other in known:
                yield item, known[other]


@dataclass(frozen=True, slots=True)
class ReviewPair:
    patient_a: str
    patient_b: str
    candidate: MatchCandidate


def scored_pairs(
    conn: Connection,
    parameters: tuple[Model, Thresholds] | None = None,
    *,
    min_grade: Grade = "probable",
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> Iterator[ReviewPair]:
    """Blocked pairs graded ``min_grade`` or better."""
    model, thresholds = parameters or current_parameters(conn)
    accepted = set(GRADES[: GRADES.index(min_grade) + 1])
    for a, b in blocked_pairs(conn, batch_size=batch_size, progress=progress):
        scored = score_pair(a, b, model, thresholds)
        if scored.grade in accepted:
            assert a.patient_id is not None
            yield ReviewPair(a.patient_id, scored.patient_id, scored)


@dataclass(frozen=True, slots=True)
class DedupeReport:
    found: int
    added: int
    refreshed: int
    dropped: int
    decided: int


def dedupe(
    engine: Engine,
    *,
    min_grade: Grade = "probable",
    batch_size: int = 1000,
    csv_out: TextIO | None = None,
    progress: Callable[[int], None] | None = None,
) -> DedupeReport:
    """Scan the index and bring ``mpi_review`` up to date (see the module docstring)."""
    with engine.connect() as conn:
        pairs = list(scored_pairs(conn, min_grade=min_grade, batch_size=batch_size, progress=progress))
    if csv_out is not None:
        write_csv(csv_out, pairs)
    now = now_us()
    with engine.begin() as conn:
        existing = {
            (row.patient_a, row.patient_b): (row.id, row.status)
            for row in conn.execute(
                select(mpi_review.c.id, mpi_review.c.patient_a, mpi_review.c.patient_b, mpi_review.c.status)
            )
        }
        found = {(p.patient_a, p.patient_b) for p in pairs}
        new_rows = []
        refreshed = decided = 0
        for pair in pairs:
            values = _review_values(pair)
            previous = existing.get((pair.patient_a, pair.patient_b))
            if previous is None:
                new_rows.append(
                    {
                        **values,
                        "patient_a": pair.patient_a,
                        "patient_b": pair.patient_b,
                        "status": "open",
                        "found": now,
                        "updated": now,
                    }
                )
            elif previous[1] == "open":
                conn.execute(update(mpi_review).where(mpi_review.c.id == previous[0]).values(**values, updated=now))
                refreshed += 1
            else:
                decided += 1
        stale = [row_id for pair, (row_id, status) in existing.items() if status == "open" and pair not in found]
        for start in range(0, len(stale), 500):
            conn.execute(delete(mpi_review).where(mpi_review.c.id.in_(stale[start : start + 500])))
        insert_rows(conn, mpi_review, new_rows)
    return DedupeReport(len(pairs), len(new_rows), refreshed, len(stale), decided)


def _review_values(pair: ReviewPair) -> dict[str, object]:
    candidate = pair.candidate
    return {
        "weight": candidate.weight,
        "score": candidate.score,
        "grade": candidate.grade,
        "explanation": orjson.dumps(
            {
                "swapped": candidate.swapped,
                "fields": [{"field": f.field, "level": f.level, "weight": f.weight} for f in candidate.explanation],
            }
        ).decode(),
    }


def write_csv(out: TextIO, pairs: list[ReviewPair]) -> None:
    """The review list as CSV: one pair per row, best first, one column per field's level."""
    writer = csv.writer(out)
    fields = [f.field for f in pairs[0].candidate.explanation] if pairs else []
    writer.writerow(["patient_a", "patient_b", "grade", "score", "weight", "swapped", *fields])
    for pair in sorted(pairs, key=lambda p: -p.candidate.weight):
        c = pair.candidate
        writer.writerow(
            [pair.patient_a, pair.patient_b, c.grade, f"{c.score:.6f}", f"{c.weight:.2f}", c.swapped]
            + [f.level for f in c.explanation]
        )
