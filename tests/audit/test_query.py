"""Lookups by patient, user, organization, region, action and period; CSV; break-the-glass review."""

from __future__ import annotations

import csv
import io

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine

from dsn.audit import AuditLog, AuditRecord
from dsn.audit.query import (
    CSV_COLUMNS,
    AuditFilter,
    break_glass_queue,
    export_csv,
    review_break_glass,
    reviews_of,
    search,
)
from dsn.audit.record import Agent
from dsn.audit.verify import verify
from tests.audit.support import NURSE, PHYSICIAN, sample

OFFICER = Agent(kind="user", user_id="u-privacy", display="Agente de protection", role="privacy_officer")
DAY = 86_400_000_000


@pytest.fixture
def filled(audit: AuditLog) -> AuditLog:
    base = 1_767_243_600_000_000  # 2026-01-01T05:00Z
    for i in range(30):
        agent = PHYSICIAN if i % 2 == 0 else NURSE
        record = sample(i, agent)
        audit.record_read(AuditRecord(**{**_fields(record), "recorded": base + i * DAY}))
    return audit


def _fields(record: AuditRecord) -> dict:
    return {name: getattr(record, name) for name in AuditRecord.__slots__}  # type: ignore[attr-defined]


def test_who_accessed_my_record(filled: AuditLog, engine: Engine) -> None:
    with engine.connect() as conn:
        page = search(conn, AuditFilter(patient="pat-1"), count=100)
    assert [entry.seq for entry in page.entries] == [seq for seq in range(30, 0, -1) if (seq - 1) % 3 == 1]
    assert all("pat-1" in entry.record.patient_ids for entry in page.entries)
    assert page.next_cursor is None


def test_paging_newest_first_by_cursor(filled: AuditLog, engine: Engine) -> None:
    seen: list[int] = []
    cursor = None
    with engine.connect() as conn:
        while True:
            page = search(conn, AuditFilter(user="u-gagnon"), cursor=cursor, count=4)
            seen += [entry.seq for entry in page.entries]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == list(range(30, 0, -2))


def test_filters_combine(filled: AuditLog, engine: Engine) -> None:
    start = 1_767_243_600_000_000
    with engine.connect() as conn:
        region = search(conn, AuditFilter(region="04", action="E"), count=100).entries
        organization = search(conn, AuditFilter(organization="org-mcq"), count=100).entries
        period = search(conn, AuditFilter(since=start + 10 * DAY, until=start + 12 * DAY), count=100).entries
        patient_period = search(
            conn, AuditFilter(patient="pat-0", subtype="read", since=start + 20 * DAY), count=100
        ).entries
    assert [e.seq for e in region] == [i + 1 for i in range(29, -1, -1) if i % 4 == 3]
    assert {e.record.agent.region for e in region} == {"04"} and {e.record.action for e in region} == {"E"}
    assert len(organization) == 15
    assert [e.seq for e in period] == [12, 11]
    assert all(e.record.subtype == "read" and e.seq > 20 for e in patient_period)


def test_stored_records_give_back_the_same_audit_event(audit: AuditLog, engine: Engine) -> None:
    record = AuditRecord(
        PHYSICIAN,
        "search-type",
        patient_ids=("a", "b"),
        entities=("Observation/1",),
        query="code=x&_count=10",
        request_id="rq-9",
        detail="2 results",
    )
    seq = audit.record_read(record)
    with engine.connect() as conn:
        (entry,) = search(conn, AuditFilter(), count=1).entries
    assert entry.seq == seq
    assert entry.to_event() == record.to_event(seq)


def test_csv_export(filled: AuditLog, engine: Engine) -> None:
    out = io.StringIO()
    with engine.connect() as conn:
        written = export_csv(conn, AuditFilter(patient="pat-2"), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == len(rows) == 10
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [int(r["seq"]) for r in rows] == sorted(int(r["seq"]) for r in rows)
    assert rows[0]["recorded"].endswith("Z") and rows[0]["break_glass"] == "false"


def test_break_glass_queue_and_review(audit: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    emergency = [
        audit.record_read(AuditRecord(NURSE, "read", patient_ids=(f"p{i}",), break_glass=True)) for i in range(3)
    ]
    audit.record_read(sample(0))
    with engine.connect() as conn:
        assert [e.seq for e in break_glass_queue(conn).entries] == emergency[::-1]

    review = review_break_glass(audit, emergency[0], decision="justified", reviewer=OFFICER, comment="ER visit")
    review_break_glass(audit, emergency[1], decision="needs-follow-up", reviewer=OFFICER)
    with engine.connect() as conn:
        pending = [e.seq for e in break_glass_queue(conn).entries]
        everything = [e.seq for e in break_glass_queue(conn, pending_only=False).entries]
        reviews = reviews_of(conn, emergency[0])
        (review_record,) = search(conn, AuditFilter(subtype="review"), count=1).entries
    assert pending == [emergency[2], emergency[1]]  # needs-follow-up stays in the queue
    assert everything == emergency[::-1]
    assert [r.decision for r in reviews] == ["justified"]
    assert reviews[0].review_seq == review.review_seq
    # The review is itself audited, names the record reviewed and shows up for the patient.
    assert review_record.seq == 6
    assert review_record.record.entities == (f"AuditEvent/{emergency[1]}",)
    assert review_record.record.patient_ids == ("p1",)
    assert review_record.record.agent.user_id == "u-privacy"
    assert verify(engine, keys).ok


def test_review_rules(audit: AuditLog) -> None:
    seq = audit.record_read(sample(0))
    with pytest.raises(LookupError):
        review_break_glass(audit, seq, decision="justified", reviewer=OFFICER)
    with pytest.raises(ValueError):
        review_break_glass(audit, seq, decision="fine", reviewer=OFFICER)
