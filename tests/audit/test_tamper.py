"""Tampering with the audit tables directly in the database: verify names the first broken record.

Each test writes 20 records (checkpoints signed at 5, 10, 15 and 20), then changes the
tables as a database owner could — the append-only triggers set aside, see
``support.tampering`` — and checks that ``verify`` reports the right kind of break at
the right seq. An untouched log verifies.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, Engine, text

from dsn.audit import AuditLog
from dsn.audit.chain import COLUMNS, hash_row
from dsn.audit.checkpoint import key_id
from dsn.audit.verify import Break, verify
from tests.audit.support import move, row, sample, shift, tampering

RECORDS = 20


@pytest.fixture
def log(audit: AuditLog) -> AuditLog:
    for i in range(RECORDS):
        audit.record_read(sample(i))
    return audit


def _broken(engine: Engine, keys: dict[str, Ed25519PublicKey]) -> Break:
    report = verify(engine, keys)
    assert report.broken is not None, "tampering went unnoticed"
    return report.broken


def _insert(conn: Connection, values: dict) -> None:
    names = [*COLUMNS, "hash"]
    conn.execute(
        text(f"INSERT INTO audit_log ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"), values
    )


def test_untouched_log_verifies(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    report = verify(engine, keys)
    assert report.ok, report.summary()
    assert (report.records, report.checkpoints, report.last_seq) == (RECORDS, 4, RECORDS)
    assert report.summary() == f"verified {RECORDS} records, 4 checkpoints"


def test_empty_log_verifies(engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    assert verify(engine, keys).summary() == "verified 0 records, 0 checkpoints"


def test_modified_field(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        conn.execute(text("UPDATE audit_log SET user_id = 'someone-else' WHERE seq = 7"))
    assert (_broken(engine, keys).seq, _broken(engine, keys).kind) == (7, "modified")


def test_modified_timestamp_of_the_last_record(
    log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]
) -> None:
    with tampering(engine) as conn:
        conn.execute(text("UPDATE audit_log SET recorded = recorded + 1 WHERE seq = 20"))
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (20, "modified")


def test_deleted_row(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 7"))
        conn.execute(text("DELETE FROM audit_patient WHERE seq = 7"))
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (7, "deleted")
    assert "record 7 missing" in broken.message


def test_deleted_first_row(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 1"))
        conn.execute(text("DELETE FROM audit_patient WHERE seq = 1"))
    assert (_broken(engine, keys).seq, _broken(engine, keys).kind) == (1, "deleted")


def test_deleted_row_and_later_rows_renumbered(
    log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]
) -> None:
    with tampering(engine) as conn:
        for table in ("audit_log", "audit_patient"):
            conn.execute(text(f"DELETE FROM {table} WHERE seq = 7"))
            shift(conn, table, 8, -1)
        conn.execute(text("UPDATE audit_head SET seq = seq - 1"))
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (7, "deleted")


def test_inserted_forged_row_with_self_consistent_hash(
    log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]
) -> None:
    with tampering(engine) as conn:
        previous = row(conn, 6)
        for table in ("audit_log", "audit_patient"):
            shift(conn, table, 7, 1)
        forged = {**previous, "seq": 7, "prev_hash": previous["hash"], "user_id": "alibi", "patients": None}
        forged["hash"] = hash_row(forged)
        _insert(conn, forged)
        conn.execute(text("UPDATE audit_head SET seq = seq + 1"))
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (7, "inserted")


def test_inserted_row_with_later_rows_rehashed_in_place(
    log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]
) -> None:
    """The pushed rows get hashes valid at their new seqs; their links still betray the insertion."""
    with tampering(engine) as conn:
        previous = row(conn, 6)
        for table in ("audit_log", "audit_patient"):
            shift(conn, table, 7, 1)
        forged = {**previous, "seq": 7, "prev_hash": previous["hash"], "patients": None, "user_id": "alibi"}
        forged["hash"] = hash_row(forged)
        _insert(conn, forged)
        for seq in range(8, RECORDS + 2):
            moved = row(conn, seq)
            conn.execute(text("UPDATE audit_log SET hash = :h WHERE seq = :s"), {"h": hash_row(moved), "s": seq})
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (7, "inserted")


def test_reordered_rows(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        for table in ("audit_log", "audit_patient"):
            move(conn, table, 7, -7)
            move(conn, table, 8, 7)
            move(conn, table, -7, 8)
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (7, "reordered")


def test_reordered_distant_rows(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        for table in ("audit_log", "audit_patient"):
            move(conn, table, 4, -4)
            move(conn, table, 13, 4)
            move(conn, table, -4, 13)
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (4, "reordered")


def test_tampered_checkpoint_signature(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        signature = conn.execute(text("SELECT signature FROM audit_checkpoint WHERE seq = 10")).scalar_one()
        flipped = ("1" if signature[0] == "0" else "0") + signature[1:]
        conn.execute(text("UPDATE audit_checkpoint SET signature = :s WHERE seq = 10"), {"s": flipped})
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (10, "bad-signature")


def test_checkpoint_signed_by_another_key(log: AuditLog, engine: Engine) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    broken = _broken(engine, {key_id(other): other})
    assert (broken.seq, broken.kind) == (5, "unknown-key")


def test_deleted_checkpoint(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        conn.execute(text("DELETE FROM audit_checkpoint WHERE seq = 10"))
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (10, "checkpoint-deleted")


def test_truncated_tail(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > 17"))
        conn.execute(text("DELETE FROM audit_patient WHERE seq > 17"))
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (18, "truncated")


def test_truncated_tail_with_head_and_checkpoint_rewound(
    log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]
) -> None:
    """Cutting the tail and moving the head back: the signed checkpoint at 20 still says 20."""
    with tampering(engine) as conn:
        last = row(conn, 17)
        conn.execute(text("DELETE FROM audit_log WHERE seq > 17"))
        conn.execute(text("DELETE FROM audit_patient WHERE seq > 17"))
        conn.execute(text("UPDATE audit_head SET seq = 17, hash = :h, checkpoint_seq = 15"), {"h": last["hash"]})
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (18, "truncated")


def test_truncated_tail_without_a_later_checkpoint(
    engine: Engine, signing_key: Ed25519PrivateKey, keys: dict[str, Ed25519PublicKey]
) -> None:
    log = AuditLog(engine, signing_key=signing_key, checkpoint_every=1000, checkpoint_seconds=3600)
    for i in range(10):
        log.record_read(sample(i))
    log.close()
    with tampering(engine) as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq > 8"))
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (9, "truncated")


def test_chain_rewritten_with_recomputed_hashes(
    log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]
) -> None:
    """Someone changes record 8 and recomputes every later hash: only the checkpoint at 10 shows it."""
    with tampering(engine) as conn:
        conn.execute(text("UPDATE audit_log SET user_id = 'someone-else' WHERE seq = 8"))
        prev = row(conn, 7)["hash"]
        for seq in range(8, RECORDS + 1):
            values = {**row(conn, seq), "prev_hash": prev}
            prev = hash_row(values)
            conn.execute(
                text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :s"),
                {"p": values["prev_hash"], "h": prev, "s": seq},
            )
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (6, "rewritten")
    assert "records 6..10" in broken.message


def test_rows_appended_behind_the_heads_back(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        last = row(conn, RECORDS)
        forged = {**last, "seq": RECORDS + 1, "prev_hash": last["hash"]}
        forged["hash"] = hash_row(forged)
        _insert(conn, forged)
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (RECORDS + 1, "inserted")


def test_patient_index_row_removed(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    """Hiding an access from a patient's "who saw my record" view is tampering too."""
    with tampering(engine) as conn:
        conn.execute(text("DELETE FROM audit_patient WHERE seq = 9"))
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (9, "patient-index")


def test_patient_index_row_added(log: AuditLog, engine: Engine, keys: dict[str, Ed25519PublicKey]) -> None:
    with tampering(engine) as conn:
        conn.execute(text("INSERT INTO audit_patient (seq, patient_id) VALUES (9, 'innocent')"))
    broken = _broken(engine, keys)
    assert (broken.seq, broken.kind) == (9, "patient-index")
