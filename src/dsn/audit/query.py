"""Looking things up in the audit log: by patient, user, organization, region, action, period.

Patients ask "who accessed my record"; privacy officers ask "what did this user (this
organization, this region) do" and review every break-the-glass access. Pages go
newest first by keyset on ``seq`` (the cursor is the last seq shown), so they stay
correct while the log grows. :func:`export_csv` streams any selection to CSV.

A break-the-glass review is stored in ``audit_review`` (append-only: a later review of
the same record supersedes an earlier one) and is itself an audit record, written in
the same transaction.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, TextIO

from sqlalchemy import Connection, Select, exists, select

from dsn.audit.record import Agent, AuditRecord
from dsn.audit.writer import AuditLog
from dsn.store.audit_schema import audit_log, audit_patient, audit_review
from dsn.store.clock import now_us, to_instant

DECISIONS: Final = ("justified", "not-justified", "needs-follow-up")
FINAL_DECISIONS: Final = ("justified", "not-justified")
CSV_COLUMNS: Final = (
    "seq",
    "recorded",
    "action",
    "subtype",
    "outcome",
    "agent_kind",
    "user_id",
    "user_display",
    "role",
    "organization",
    "region",
    "client_id",
    "network",
    "purpose",
    "patients",
    "entities",
    "query",
    "request_id",
    "break_glass",
    "detail",
)
_RECORD_COLUMNS = [column for column in audit_log.columns if column.name not in ("prev_hash", "hash")]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to select; every field given narrows the selection. Times in µs, ``until`` exclusive."""

    patient: str | None = None
    user: str | None = None
    organization: str | None = None
    region: str | None = None
    action: str | None = None
    subtype: str | None = None
    since: int | None = None
    until: int | None = None
    break_glass: bool | None = None
    outcome: int | None = None
    exclude_user: str | None = None  # leave out one user's own records (a patient's own visits)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One stored record and its place in the chain."""

    seq: int
    record: AuditRecord

    def to_event(self) -> dict[str, Any]:
        return self.record.to_event(self.seq)


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: int | None  # pass as ``cursor`` for the next (older) page


@dataclass(frozen=True, slots=True)
class Review:
    id: str
    seq: int
    reviewed_by: str
    decision: str
    comment: str | None
    reviewed_at: int
    review_seq: int


def search(conn: Connection, selection: AuditFilter, *, cursor: int | None = None, count: int = 50) -> AuditPage:
    """A page of records matching ``selection``, newest first, before seq ``cursor``."""
    query = _selected(selection)
    seq = audit_patient.c.seq if selection.patient is not None else audit_log.c.seq
    if cursor is not None:
        query = query.where(seq < cursor)
    rows = conn.execute(query.order_by(seq.desc()).limit(count + 1)).all()
    entries = [_entry(row) for row in rows[:count]]
    next_cursor = entries[-1].seq if len(rows) > count else None
    return AuditPage(entries, next_cursor)


def entries(conn: Connection, selection: AuditFilter, *, batch: int = 2000) -> Iterator[AuditEntry]:
    """Every record matching ``selection``, oldest first, streamed."""
    seq = audit_patient.c.seq if selection.patient is not None else audit_log.c.seq
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(_selected(selection).order_by(seq))
    for partition in result.partitions():
        for row in partition:
            yield _entry(row)


def export_csv(conn: Connection, selection: AuditFilter, out: TextIO) -> int:
    """Write the records matching ``selection`` as CSV (header first); how many were written."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    written = 0
    for entry in entries(conn, selection):
        row = entry.record.columns()
        row["seq"] = entry.seq
        row["recorded"] = to_instant(entry.record.recorded)
        row["break_glass"] = "true" if entry.record.break_glass else "false"
        writer.writerow(["" if row.get(name) is None else row[name] for name in CSV_COLUMNS])
        written += 1
    return written


# -- break the glass ----------------------------------------------------------------------


def break_glass_queue(
    conn: Connection, *, pending_only: bool = True, cursor: int | None = None, count: int = 50
) -> AuditPage:
    """Break-the-glass records, newest first; by default those without a final decision.

    A record reviewed ``needs-follow-up`` stays in the queue until a later review
    decides ``justified`` or ``not-justified``.
    """
    query = select(*_RECORD_COLUMNS).where(audit_log.c.break_glass.is_(True))
    if pending_only:
        decided = exists().where(audit_review.c.seq == audit_log.c.seq, audit_review.c.decision.in_(FINAL_DECISIONS))
        query = query.where(~decided)
    if cursor is not None:
        query = query.where(audit_log.c.seq < cursor)
    rows = conn.execute(query.order_by(audit_log.c.seq.desc()).limit(count + 1)).all()
    found = [_entry(row) for row in rows[:count]]
    return AuditPage(found, found[-1].seq if len(rows) > count else None)


def reviews_of(conn: Connection, seq: int) -> list[Review]:
    """The reviews of one record, oldest first (the last one is in force)."""
    rows = conn.execute(
        select(audit_review).where(audit_review.c.seq == seq).order_by(audit_review.c.reviewed_at)
    ).all()
    return [Review(r.id, r.seq, r.reviewed_by, r.decision, r.comment, r.reviewed_at, r.review_seq) for r in rows]


def review_break_glass(
    audit: AuditLog,
    seq: int,
    *,
    decision: str,
    reviewer: Agent,
    comment: str | None = None,
    request_id: str = "",
) -> Review:
    """Record a privacy officer's decision on break-the-glass record ``seq``.

    The review row and its own audit record (subtype ``review``, naming
    ``AuditEvent/<seq>`` and the patients concerned, so they see it in their access
    log) commit together. Raises ``LookupError`` when ``seq`` is not a break-the-glass
    record and ``ValueError`` for an unknown decision.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    with audit.engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            row = conn.execute(
                select(audit_log.c.patients, audit_log.c.break_glass).where(audit_log.c.seq == seq)
            ).first()
            if row is None or not row.break_glass:
                raise LookupError(f"audit record {seq} is not a break-the-glass access")
            record = AuditRecord(
                agent=reviewer,
                subtype="review",
                patient_ids=tuple((row.patients or "").split()),
                entities=(f"AuditEvent/{seq}",),
                request_id=request_id,
                detail=f"{decision}: {comment}" if comment else decision,
            )
            (review_seq,) = audit.append_in(conn, [record])
            review = Review(str(uuid.uuid4()), seq, reviewer.user_id, decision, comment, now_us(), review_seq)
            conn.execute(
                audit_review.insert().values(
                    id=review.id,
                    seq=seq,
                    reviewed_by=review.reviewed_by,
                    decision=decision,
                    comment=comment,
                    reviewed_at=review.reviewed_at,
                    review_seq=review_seq,
                )
            )
    return review


# -- internals ----------------------------------------------------------------------------


def _selected(selection: AuditFilter) -> Select[Any]:
    if selection.patient is not None:
        # Start from the patient index: (patient_id, seq) gives the page in index order.
        query = (
            select(*_RECORD_COLUMNS)
            .select_from(audit_patient.join(audit_log, audit_log.c.seq == audit_patient.c.seq))
            .where(audit_patient.c.patient_id == selection.patient)
        )
    else:
        query = select(*_RECORD_COLUMNS)
    conditions = {
        audit_log.c.user_id: selection.user,
        audit_log.c.organization: selection.organization,
        audit_log.c.region: selection.region,
        audit_log.c.action: selection.action,
        audit_log.c.subtype: selection.subtype,
        audit_log.c.break_glass: selection.break_glass,
        audit_log.c.outcome: selection.outcome,
    }
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    if selection.exclude_user is not None:
        query = query.where(audit_log.c.user_id.is_distinct_from(selection.exclude_user))
    if selection.since is not None:
        query = query.where(audit_log.c.recorded >= selection.since)
    if selection.until is not None:
        query = query.where(audit_log.c.recorded < selection.until)
    return query


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(row.seq, AuditRecord.from_row(row))
