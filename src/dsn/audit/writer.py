"""Appending to the audit chain: inside a write transaction, or group-committed for reads.

Two ways in, one chain:

* :meth:`AuditLog.append_in` runs inside the caller's write transaction, so a change
  to the record and its audit record commit (or roll back) together.
* :meth:`AuditLog.record_read` is for reads: the response may be sent only once its
  audit record is durable. Waiting for one commit per read would cap reads at the
  disk's sync rate, so records from concurrent requests are *group-committed*: one
  background thread takes everything queued, appends it in one transaction, commits
  once, and wakes every caller. While one batch commits, the next accumulates, so
  batches grow with the load and an idle server still commits at once. If the commit
  fails, every caller in the batch gets :class:`AuditUnavailable` and must not send
  its response (fail closed).

Both paths take the chain head (the one row of ``audit_head``) under a lock —
``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the write transaction (``BEGIN
IMMEDIATE``) already excludes other writers — so seqs stay gapless and every
``prev_hash`` is the hash of the row before, across threads and processes. The lock
is held until commit: call :meth:`append_in` as the last step of a write transaction.
On PostgreSQL, a batch whose head this process already knows goes in one autocommit
statement that moves the head only if it is unchanged (:mod:`dsn.audit.pg_append`);
otherwise, or when a checkpoint is due, the locking path runs. A checkpoint is signed
inside the same transaction every ``checkpoint_every`` records or ``checkpoint_seconds``
seconds, and by the background thread when the log is idle.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dsn.audit.chain import GENESIS, hash_row
from dsn.audit.checkpoint import Checkpoint, Signer, audit_key_path, load_signing_key, write_checkpoint
from dsn.audit.pg_append import PgAppender
from dsn.audit.record import AuditRecord
from dsn.store.audit_schema import audit_checkpoint, audit_head, audit_log, audit_patient
from dsn.store.bulk import insert_rows
from dsn.store.clock import now_us
from dsn.store.schema import ID_LENGTH

if TYPE_CHECKING:
    from dsn.config import Settings


class AuditUnavailable(RuntimeError):
    """The audit record could not be made durable: the access must not proceed (fail closed)."""


@dataclass(slots=True)
class GroupCommitStats:
    """Counters of the group-commit path (reads): how well batching works."""

    records: int = 0
    commits: int = 0
    fast_commits: int = 0  # of which in one statement (PostgreSQL, head known)
    failures: int = 0
    largest_batch: int = 0


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A record turned into column values, before its seq is known."""

    columns: dict[str, Any]
    patients: tuple[str, ...]


@dataclass(slots=True)
class _Head:
    seq: int
    hash: str
    checkpoint_seq: int
    checkpoint_at: int


# String columns of fixed width: values are clipped so a batch never fails on length.
_WIDTHS = {
    column.name: column.type.length
    for column in audit_log.columns
    if getattr(column.type, "length", None) and column.name not in ("prev_hash", "hash")
}


def prepare(record: AuditRecord) -> _Prepared:
    """Column values of ``record``, clipped to the column widths (done by the caller's thread)."""
    columns = record.columns()
    for name, width in _WIDTHS.items():
        value = columns.get(name)
        if isinstance(value, str) and len(value) > width:
            columns[name] = value[:width]
    patients = tuple(patient for patient in record.patient_ids if len(patient) <= ID_LENGTH)
    return _Prepared(columns, patients)


def _link(head: _Head, prepared: Sequence[_Prepared]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for ``prepared`` chained after ``head``: seqs, prev_hash and hash; and their patient rows."""
    rows: list[dict[str, Any]] = []
    patient_rows: list[dict[str, Any]] = []
    seq, prev = head.seq, head.hash
    for item in prepared:
        seq += 1
        row = dict(item.columns)
        row["seq"] = seq
        row["prev_hash"] = prev
        row["hash"] = prev = hash_row(row)
        rows.append(row)
        patient_rows.extend({"seq": seq, "patient_id": patient} for patient in item.patients)
    return rows, patient_rows


class AuditLog:
    """The audit chain on one engine: appends, group commit, checkpoints.

    One instance per process (it owns a background thread and a connection). Without
    ``signing_key`` no checkpoints are written (tests, tools); :meth:`from_settings`
    loads the server's key.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        signing_key: Ed25519PrivateKey | None = None,
        checkpoint_every: int = 10_000,
        checkpoint_seconds: float = 60.0,
        max_batch: int = 2000,
        linger: float = 0.0,
        timeout: float = 10.0,
        fast_path: bool = True,
    ) -> None:
        self.engine = engine
        self.signer = Signer(signing_key) if signing_key is not None else None
        self.checkpoint_every = checkpoint_every
        self.checkpoint_us = int(checkpoint_seconds * 1_000_000)
        self.max_batch = max_batch
        self.linger = linger
        self.timeout = timeout
        self.fast_path = fast_path
        self.stats = GroupCommitStats()
        self._postgres = engine.dialect.name == "postgresql"
        self._reset_worker()

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings, **options: Any) -> AuditLog:
        """The server's audit log, signing checkpoints with ``<data_dir>/keys/audit-ed25519.pem``."""
        from dsn.security.keys import ensure_keys

        path = audit_key_path(settings.data_dir)
        if not path.exists():
            ensure_keys(settings.data_dir)
        return cls(engine, signing_key=load_signing_key(path), **options)

    # -- inside a write transaction -------------------------------------------------------

    def append_in(self, conn: Connection, records: Sequence[AuditRecord]) -> list[int]:
        """Append ``records`` in the caller's open write transaction; their seqs.

        They become visible (and durable) when the caller commits, together with the
        data written in the same transaction, and vanish if it rolls back. The chain
        head stays locked until then, so call this last, just before commit.
        """
        seqs, _head = self._append(conn, [prepare(record) for record in records])
        return seqs

    # -- group commit for reads -----------------------------------------------------------

    def record_read(self, record: AuditRecord, timeout: float | None = None) -> int:
        """Block until ``record`` is durably committed; its seq.

        Raises :class:`AuditUnavailable` if the commit fails or takes longer than
        ``timeout`` seconds: the caller must then not send what it read. Never call
        this while holding a write transaction (on SQLite it would wait for itself);
        use :meth:`append_in` there.
        """
        return self.wait(self.submit_read(record), timeout)

    def submit_read(self, record: AuditRecord) -> Future[int]:
        """Queue ``record`` for the next group commit without waiting; :meth:`wait` on the future.

        For a caller that makes several reads before answering (a page built from several
        searches): their records commit while the next read runs, and the caller waits
        once, before it sends anything.
        """
        future: Future[int] = Future()
        prepared = prepare(record)
        if self._pid != os.getpid():
            self._reset_worker()  # forked: the parent's thread, queue and connection are not ours
        with self._wakeup:
            if self._closed:
                raise AuditUnavailable("the audit log is closed")
            self._ensure_worker()
            self._queue.append((prepared, future))
            self._wakeup.notify()
        return future

    def wait(self, future: Future[int], timeout: float | None = None) -> int:
        """The seq of a submitted record once it is durable; :class:`AuditUnavailable` otherwise."""
        try:
            return future.result(self.timeout if timeout is None else timeout)
        except FutureTimeout:
            raise AuditUnavailable("the audit record was not committed in time") from None

    def close(self) -> None:
        """Commit what is queued, then stop the background thread."""
        with self._wakeup:
            self._closed = True
            self._wakeup.notify()
            thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=self.timeout)
        self._drop_connection()

    # -- checkpoints ----------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint | None:
        """Sign a checkpoint of the chain as it stands now (None: nothing new to sign)."""
        if self.signer is None:
            raise RuntimeError("no audit signing key: checkpoints cannot be written")
        with self.engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                head = self._lock_head(conn)
                if head.seq == head.checkpoint_seq:
                    return None
                made = self._sign(conn, head, now_us())
                self._store_head(conn, head)
        return made

    # -- the chain ------------------------------------------------------------------------

    def _append(self, conn: Connection, prepared: Sequence[_Prepared]) -> tuple[list[int], _Head]:
        """The locking path: take the head, link and insert the rows, sign if due, move the head."""
        head = self._lock_head(conn)
        if not prepared:
            return [], head
        rows, patient_rows = _link(head, prepared)
        insert_rows(conn, audit_log, rows)
        insert_rows(conn, audit_patient, patient_rows)
        head.seq, head.hash = rows[-1]["seq"], rows[-1]["hash"]
        now = now_us()
        if self._checkpoint_due(head, now):
            self._sign(conn, head, now)
        self._store_head(conn, head)
        return [row["seq"] for row in rows], head

    def _append_fast(self, prepared: Sequence[_Prepared]) -> list[int] | None:
        """PostgreSQL, head known from our last batch: one statement (see :mod:`pg_append`).

        None when the head moved meanwhile or a checkpoint is due: take the locking path.
        """
        head = self._head
        if self._fast is None or head is None:
            return None
        rows, patient_rows = _link(head, prepared)
        moved = _Head(rows[-1]["seq"], rows[-1]["hash"], head.checkpoint_seq, head.checkpoint_at)
        if self._checkpoint_due(moved, now_us()) or not self._fast.append((head.seq, head.hash), rows, patient_rows):
            self._head = None
            return None
        self._head = moved
        return [row["seq"] for row in rows]

    def _checkpoint_due(self, head: _Head, now: int) -> bool:
        return self.signer is not None and (
            head.seq - head.checkpoint_seq >= self.checkpoint_every or now - head.checkpoint_at >= self.checkpoint_us
        )

    def _sign(self, conn: Connection, head: _Head, now: int) -> Checkpoint:
        assert self.signer is not None
        made = self.signer.sign(head.seq, head.hash, now, head.checkpoint_seq)
        write_checkpoint(conn, made)
        head.checkpoint_seq, head.checkpoint_at = head.seq, now
        return made

    def _lock_head(self, conn: Connection) -> _Head:
        query = select(
            audit_head.c.seq, audit_head.c.hash, audit_head.c.checkpoint_seq, audit_head.c.checkpoint_at
        ).where(audit_head.c.id == 1)
        if self._postgres:
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None:
            self._create_head(conn)
            row = conn.execute(query).one()
        return _Head(row.seq, row.hash, row.checkpoint_seq, row.checkpoint_at)

    def _create_head(self, conn: Connection) -> None:
        """The head row, first time: continue from the log's last row if there is one."""
        last = conn.execute(select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)).first()
        checkpoint = conn.execute(
            select(audit_checkpoint.c.seq, audit_checkpoint.c.created).order_by(audit_checkpoint.c.seq.desc()).limit(1)
        ).first()
        dialect_insert = pg_insert if self._postgres else sqlite_insert
        conn.execute(
            dialect_insert(audit_head)
            .values(
                id=1,
                seq=last.seq if last else 0,
                hash=last.hash if last else GENESIS,
                checkpoint_seq=checkpoint.seq if checkpoint else 0,
                checkpoint_at=checkpoint.created if checkpoint else now_us(),
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )

    def _store_head(self, conn: Connection, head: _Head) -> None:
        conn.execute(
            update(audit_head)
            .where(audit_head.c.id == 1)
            .values(seq=head.seq, hash=head.hash, checkpoint_seq=head.checkpoint_seq, checkpoint_at=head.checkpoint_at)
        )

    # -- the background writer ------------------------------------------------------------

    def _reset_worker(self) -> None:
        self._wakeup = threading.Condition()
        self._queue: deque[tuple[_Prepared, Future[int]]] = deque()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._closed = False
        self._conn: Connection | None = None
        self._unsigned_since: float | None = None
        # The head as our last committed batch left it (writer thread only), and the
        # one-statement appender that relies on it.
        self._head: _Head | None = None
        self._fast = PgAppender(self.engine) if self._postgres and self.fast_path else None

    def _ensure_worker(self) -> None:
        """Start the writer thread on first use (and again if it died)."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="dsn-audit-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._wakeup:
                if not self._queue and not self._closed:
                    self._wakeup.wait(self._idle_wait())
                if self.linger and 0 < len(self._queue) < self.max_batch and not self._closed:
                    self._wakeup.wait(self.linger)
                if not self._queue:
                    if self._closed:
                        return
                    batch = []
                else:
                    count = min(len(self._queue), self.max_batch)
                    batch = [self._queue.popleft() for _ in range(count)]
            if batch:
                self._commit(batch)
            else:
                self._idle_checkpoint()

    def _idle_wait(self) -> float | None:
        if self._unsigned_since is None or self.signer is None:
            return None
        return max(0.0, self._unsigned_since + self.checkpoint_us / 1e6 - time.monotonic())

    def _commit(self, batch: list[tuple[_Prepared, Future[int]]]) -> None:
        prepared = [item for item, _ in batch]
        try:
            seqs = self._append_fast(prepared)
            if seqs is not None:
                self.stats.fast_commits += 1
            else:
                conn = self._connection()
                with conn.begin():
                    seqs, head = self._append(conn, prepared)
                self._head = head  # committed: the next batch may take the fast path
        except Exception as exc:  # every failure must reach every waiting caller
            self._head = None
            self._drop_connection()
            self.stats.failures += 1
            reason = f"audit records could not be committed: {exc.__class__.__name__}: {exc}"
            for _, future in batch:
                error = AuditUnavailable(reason)  # one each: callers raise them concurrently
                error.__cause__ = exc
                future.set_exception(error)
            return
        self.stats.commits += 1
        self.stats.records += len(batch)
        self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
        if self.signer is not None and self._unsigned_since is None:
            self._unsigned_since = time.monotonic()
        for (_, future), seq in zip(batch, seqs, strict=True):
            future.set_result(seq)

    def _idle_checkpoint(self) -> None:
        """Sign the tail after a quiet period, so recent records are covered too."""
        if self._unsigned_since is None or time.monotonic() - self._unsigned_since < self.checkpoint_us / 1e6:
            return
        with contextlib.suppress(Exception):  # retried after the next quiet period
            self.checkpoint()
        self._unsigned_since = None

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = self.engine.connect().execution_options(write=True)
        return self._conn

    def _drop_connection(self) -> None:
        if self._fast is not None:
            self._fast.close()
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # the connection is already unusable
                conn.invalidate()
                conn.close()
