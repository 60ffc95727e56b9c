"""Appending: with the data in one transaction, group-committed for reads, failing closed."""

from __future__ import annotations

import threading
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, event, func, select, text

from dsn.audit import AuditLog, AuditRecord, AuditUnavailable
from dsn.audit.verify import verify
from dsn.store.audit_schema import audit_checkpoint, audit_log, audit_patient
from dsn.store.schema import resource
from dsn.store.session import Store
from tests.audit.support import NURSE, PHYSICIAN, sample

PATIENT = {"resourceType": "Patient", "name": [{"family": "Roy"}]}


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _seqs(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars())


def test_write_and_its_audit_record_commit_together(
    store: Store, audit: AuditLog, keys: dict[str, Ed25519PublicKey]
) -> None:
    with store.write() as session:
        session.create("Patient", "p1", PATIENT)
        session.flush()
        seqs = audit.append_in(session.conn, [AuditRecord(PHYSICIAN, "create", patient_ids=("p1",))])
    assert seqs == [1]
    assert _count(store.engine, resource) == 1
    assert _count(store.engine, audit_patient) == 1


def test_rolled_back_write_leaves_no_audit_record_and_no_gap(
    store: Store, audit: AuditLog, keys: dict[str, Ed25519PublicKey]
) -> None:
    audit.record_read(sample(0))
    with pytest.raises(RuntimeError), store.write() as session:
        session.create("Patient", "p1", PATIENT)
        session.flush()
        audit.append_in(session.conn, [AuditRecord(PHYSICIAN, "create", patient_ids=("p1",))])
        raise RuntimeError("validation failed after the audit append")
    assert _count(store.engine, resource) == 0
    assert _seqs(store.engine) == [1]
    audit.record_read(sample(1))
    assert _seqs(store.engine) == [1, 2]
    assert verify(store.engine, keys).ok


def test_concurrent_reads_are_group_committed(engine: Engine, signing_key: Ed25519PrivateKey, keys) -> None:  # type: ignore[no-untyped-def]
    commits = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    log = AuditLog(engine, signing_key=signing_key, checkpoint_every=100)
    threads, per_thread = 16, 25
    seqs: list[int] = []
    lock = threading.Lock()

    def reader(n: int) -> None:
        for i in range(per_thread):
            seq = log.record_read(sample(n * per_thread + i))
            with lock:
                seqs.append(seq)

    workers = [threading.Thread(target=reader, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    log.close()
    total = threads * per_thread
    # Every caller got its own seq, and each was durable when record_read returned.
    assert sorted(seqs) == list(range(1, total + 1))
    assert _seqs(engine) == list(range(1, total + 1))
    assert log.stats.records == total
    if engine.dialect.name == "postgresql":
        # Each row's xmin is the transaction that inserted it: count them independently.
        with engine.connect() as conn:
            transactions = conn.execute(text("SELECT count(DISTINCT xmin::text) FROM audit_log")).scalar_one()
    else:
        transactions = len(commits)
    assert log.stats.commits == transactions
    assert log.stats.commits <= total / 3, log.stats  # batching, not one commit per read
    assert log.stats.largest_batch > 1
    report = verify(engine, keys)
    assert report.ok, report.summary()
    assert report.checkpoints >= 3


def test_reads_and_writes_from_several_writers_share_one_gapless_chain(
    store: Store, signing_key: Ed25519PrivateKey, keys: dict[str, Ed25519PublicKey]
) -> None:
    """Two AuditLog instances stand for two server processes; the chain head serializes them."""
    logs = [AuditLog(store.engine, signing_key=signing_key, checkpoint_every=7) for _ in range(2)]
    errors: list[BaseException] = []

    def reader(log: AuditLog, n: int) -> None:
        try:
            for i in range(15):
                log.record_read(sample(n * 100 + i, NURSE))
        except BaseException as exc:
            errors.append(exc)

    def writer(log: AuditLog, n: int) -> None:
        try:
            for i in range(5):
                with store.write() as session:
                    session.create("Patient", f"w{n}-{i}", PATIENT)
                    session.flush()
                    log.append_in(session.conn, [AuditRecord(PHYSICIAN, "create", patient_ids=(f"w{n}-{i}",))])
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=reader, args=(logs[n % 2], n)) for n in range(6)]
    workers += [threading.Thread(target=writer, args=(logs[n % 2], n)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for log in logs:
        log.close()
    assert errors == []
    assert _seqs(store.engine) == list(range(1, 6 * 15 + 3 * 5 + 1))
    report = verify(store.engine, keys)
    assert report.ok, report.summary()


def _block_inserts(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
                )
            )
            conn.execute(
                text("CREATE TRIGGER refuse BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()")
            )
        else:
            conn.execute(
                text("CREATE TRIGGER refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END")
            )


def _unblock_inserts(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER refuse ON audit_log"))
            conn.execute(text("DROP FUNCTION refuse_audit()"))
        else:
            conn.execute(text("DROP TRIGGER refuse"))


def test_failed_commit_fails_every_waiting_reader_then_recovers(
    engine: Engine, audit: AuditLog, keys: dict[str, Ed25519PublicKey]
) -> None:
    audit.record_read(sample(0))
    _block_inserts(engine)
    failures: list[BaseException] = []

    def reader(i: int) -> None:
        try:
            audit.record_read(sample(i))
        except AuditUnavailable as exc:
            failures.append(exc)

    try:
        workers = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        _unblock_inserts(engine)
    assert len(failures) == 8
    assert "disk full" in str(failures[0])
    assert audit.stats.failures >= 1
    assert _seqs(engine) == [1]
    assert audit.record_read(sample(9)) == 2  # the writer recovers, with no gap left behind
    assert verify(engine, keys).ok


def test_unreachable_database_fails_closed() -> None:
    from dsn.store.engine import make_engine

    engine = make_engine("postgresql://nobody@127.0.0.1:9/none", pool_size=1)
    log = AuditLog(engine, timeout=30)
    try:
        with pytest.raises(AuditUnavailable):
            log.record_read(sample(0))
    finally:
        log.close()
        engine.dispose()


def test_record_read_times_out_when_the_chain_stays_locked(engine: Engine, audit: AuditLog) -> None:
    audit.record_read(sample(0))
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            audit.append_in(conn, [sample(1)])  # holds the chain head until commit
            with pytest.raises(AuditUnavailable):
                audit.record_read(sample(2), timeout=0.5)
    audit.close()


def test_closed_log_refuses_reads(engine: Engine) -> None:
    log = AuditLog(engine)
    log.record_read(sample(0))
    log.close()
    with pytest.raises(AuditUnavailable):
        log.record_read(sample(1))


def test_checkpoints_every_n_records_and_on_demand(
    engine: Engine, audit: AuditLog, keys: dict[str, Ed25519PublicKey]
) -> None:
    for i in range(12):
        audit.record_read(sample(i))
    with engine.connect() as conn:
        signed = list(conn.execute(select(audit_checkpoint.c.seq).order_by(audit_checkpoint.c.seq)).scalars())
    assert signed == [5, 10]
    made = audit.checkpoint()
    assert made is not None and made.seq == 12 and made.prev_seq == 10
    assert audit.checkpoint() is None  # nothing new
    report = verify(engine, keys)
    assert (report.ok, report.records, report.checkpoints) == (True, 12, 3)


def test_idle_log_signs_its_tail(engine: Engine, signing_key: Ed25519PrivateKey) -> None:
    log = AuditLog(engine, signing_key=signing_key, checkpoint_every=1000, checkpoint_seconds=0.3)
    try:
        log.record_read(sample(0))
        log.record_read(sample(1))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                last = conn.execute(select(func.max(audit_checkpoint.c.seq))).scalar()
            if last == 2:
                break
            time.sleep(0.05)
        assert last == 2
    finally:
        log.close()


def test_overlong_values_are_clipped_not_failed(engine: Engine, audit: AuditLog, keys) -> None:  # type: ignore[no-untyped-def]
    record = AuditRecord(PHYSICIAN, "read", patient_ids=("x" * 100,), request_id="r" * 500)
    seq = audit.record_read(record)
    with engine.connect() as conn:
        stored = conn.execute(select(audit_log.c.request_id).where(audit_log.c.seq == seq)).scalar_one()
    assert len(stored) == 64
    assert verify(engine, keys).ok


def test_postgresql_batches_take_one_statement_while_the_head_is_ours(
    store: Store, audit: AuditLog, keys: dict[str, Ed25519PublicKey]
) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL fast path")
    audit.record_read(sample(0))  # learns the head (locking path)
    audit.record_read(sample(1))
    audit.record_read(sample(2))
    assert audit.stats.fast_commits == 2
    with store.write() as session:  # another writer moves the head
        audit.append_in(session.conn, [sample(3)])
    assert audit.record_read(sample(4)) == 5  # the one statement finds the head moved, writes nothing, falls back
    assert audit.stats.fast_commits == 2
    assert audit.record_read(sample(5)) == 6
    assert audit.stats.fast_commits == 3
    assert _seqs(store.engine) == [1, 2, 3, 4, 5, 6]
    assert verify(store.engine, keys).ok
