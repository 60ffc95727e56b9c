"""``dsn audit verify``: walk the whole chain and name the first place it was tampered with.

One pass in seq order over a consistent snapshot (PostgreSQL ``REPEATABLE READ``, a
SQLite read transaction), streaming rows with a server-side cursor so memory stays
constant however long the log. For each row it recomputes the hash, checks the link
to the row before, the patient index rows and, at each checkpoint, the checkpoint's
signature, its link to the previous checkpoint and that the chain still has the signed
hash there. At the end the last row must be the chain head, and no checkpoint may sign
a seq beyond it.

How breaks are told apart (the first one found is reported):

* ``modified``: a row's content no longer matches its stored hash (or the head's).
* ``deleted``: seqs are missing (a gap), or rows were renumbered to close the gap
  (their content hashes for a later seq).
* ``inserted``: a row links back past its predecessor to an earlier row, so the rows
  in between were added; or rows were appended behind the chain head's back.
* ``reordered``: a row's content is intact but hashes only for another seq: it was
  moved (the search for that seq, nearby or via the row's ``prev_hash``, runs only once
  something is already wrong).
* ``rewritten``: the rows are consistent among themselves but not with a signed
  checkpoint: someone recomputed the hashes; the break lies after the previous checkpoint.
* ``bad-signature`` / ``unknown-key``: a checkpoint is not signed by the audit key.
* ``checkpoint-deleted``: a checkpoint's link to its predecessor (or the head's link to
  the newest) points at a checkpoint that is gone.
* ``truncated``: records after the last one are missing (the head or a checkpoint
  covers them); ``head-deleted``: the chain head row itself is gone.
* ``patient-index``: ``audit_patient`` does not match the patients of the records (a
  patient's "who saw my record" view would be wrong).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, NoReturn

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, select

from dsn.audit.chain import COLUMNS, GENESIS, PATIENTS, PREV_HASH, SEQ, row_hash
from dsn.audit.checkpoint import Checkpoint, signature_status
from dsn.store.audit_schema import audit_head
from dsn.store.schema import ID_LENGTH

RECENT: Final = 4096  # how far back an out-of-place link is recognized as an insertion
BATCH: Final = 5000


@dataclass(frozen=True, slots=True)
class Break:
    """The first place the log was tampered with: ``seq`` is the first broken record."""

    seq: int
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    records: int
    checkpoints: int
    last_seq: int
    seconds: float
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def summary(self) -> str:
        if self.broken is None:
            return f"verified {self.records} records, {self.checkpoints} checkpoints"
        b = self.broken
        return f"audit log broken at record {b.seq} ({b.kind}): {b.message}"


class _Broken(Exception):
    def __init__(self, seq: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.found = Break(seq, kind, message)


def verify(
    engine: Engine,
    keys: dict[str, Ed25519PublicKey],
    *,
    progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Check the whole audit log against its hashes and the checkpoints signed by ``keys``."""
    started = time.perf_counter()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            walk = _Walk(conn, keys, progress)
            try:
                walk.run()
                broken = None
            except _Broken as exc:
                broken = exc.found
    return VerifyReport(walk.records, walk.checkpoints, walk.last_seq, time.perf_counter() - started, broken)


class _Walk:
    def __init__(
        self, conn: Connection, keys: dict[str, Ed25519PublicKey], progress: Callable[[int], None] | None
    ) -> None:
        self.conn = conn
        self.keys = keys
        self.progress = progress
        self.records = 0
        self.checkpoints = 0
        self.last_seq = 0
        self.prev_hash = GENESIS
        self.recent: OrderedDict[str, int] = OrderedDict()
        self.checkpoint_seq = 0  # the last checkpoint passed
        self._cursors = 0

    def run(self) -> None:
        head = self.conn.execute(
            select(audit_head.c.seq, audit_head.c.hash, audit_head.c.checkpoint_seq).where(audit_head.c.id == 1)
        ).first()
        limit = head.seq if head is not None else None
        checkpoints = self._checkpoints()
        pending = next(checkpoints, None)
        patients = _Peekable(self._patient_rows())
        rows = self._rows()
        recent = self.recent
        # The loop body is the common case only (row intact, linked, in place); anything
        # else goes to _check_row, which works out what happened and raises.
        for values in rows:
            seq = values[SEQ]
            if seq != self.last_seq + 1 or values[PREV_HASH] != self.prev_hash or row_hash(values[:-1]) != values[-1]:
                self._check_row(values, next(rows, None))
            self.prev_hash = values[-1]
            self.last_seq = seq
            recent[self.prev_hash] = seq
            if len(recent) > RECENT:
                recent.popitem(last=False)
            if limit is not None and seq > limit:
                raise _Broken(limit + 1, "inserted", f"records from {limit + 1} appended behind the chain head's back")
            listed = values[PATIENTS]
            if listed is not None or ((waiting := patients.peek()) is not None and waiting[0] <= seq):
                self._check_patients(patients, seq, listed)
            while pending is not None and pending.seq <= seq:
                self._check_checkpoint(pending, seq, values[-1])
                pending = next(checkpoints, None)
            self.records += 1
            if self.progress is not None and self.records % BATCH == 0:
                self.progress(self.records)
        self._check_end(head, pending, patients)

    # -- records --------------------------------------------------------------------------

    def _check_row(self, values: tuple[Any, ...], following: tuple[Any, ...] | None) -> NoReturn:
        """Name what happened to a row that is not intact, linked and in place."""
        seq, stored, content = values[SEQ], values[-1], values[:-1]
        expected = self.last_seq + 1
        if row_hash(content) != stored:
            written_for = self._written_for(content, stored)
            if written_for is not None:
                self._moved(seq, written_for, values[PREV_HASH], following)
            raise _Broken(seq, "modified", f"record {seq} does not match its hash: its content was changed")
        if seq != expected:
            raise _Broken(expected, "deleted", f"{_records(expected, seq - 1)} missing: the log jumps to {seq}")
        linked = self.recent.get(values[PREV_HASH])
        if linked is not None and linked < seq - 1:
            raise _Broken(
                linked + 1,
                "inserted",
                f"{_records(linked + 1, seq - 1)} inserted: record {seq} follows record {linked}",
            )
        broken = max(seq - 1, 1)
        raise _Broken(
            broken,
            "modified",
            f"record {seq} does not link to record {seq - 1}: record {broken} was rewritten or replaced",
        )

    def _written_for(self, content: tuple[Any, ...], stored: str) -> int | None:
        """The seq this row's content hashes for, if it was moved rather than changed."""
        seq = content[SEQ]
        candidates = []
        linked = self.recent.get(content[PREV_HASH])
        if linked is not None:
            candidates.append(linked + 1)
        for distance in range(1, RECENT + 1):
            candidates.append(seq + distance)
            if seq - distance >= 1:
                candidates.append(seq - distance)
        moved = list(content)
        for candidate in candidates:
            moved[SEQ] = candidate
            if row_hash(moved) == stored:
                return candidate
        return None

    def _moved(self, seq: int, written_for: int, prev_hash: str, following: tuple[Any, ...] | None) -> NoReturn:
        """A row intact but written for another seq: rows inserted before it, deleted, or swapped."""
        if written_for < seq and self.recent.get(prev_hash) == written_for - 1:
            raise _Broken(
                written_for,
                "inserted",
                f"{_records(written_for, seq - 1)} inserted: record {written_for} was pushed to {seq}",
            )
        if written_for > seq:
            # Renumbered to close a gap: the following rows are shifted by the same amount.
            shifted = following is None
            if following is not None:
                moved = list(following[:-1])
                moved[SEQ] = following[SEQ] + written_for - seq
                shifted = row_hash(moved) == following[-1]
            if shifted:
                raise _Broken(
                    seq,
                    "deleted",
                    f"{_records(seq, written_for - 1)} removed and the later records renumbered to hide the gap",
                )
        raise _Broken(seq, "reordered", f"record {seq} holds the record written as {written_for}: rows were reordered")

    # -- patient index --------------------------------------------------------------------

    def _check_patients(self, patients: _Peekable, seq: int, listed: str | None) -> None:
        if listed is None and ((row := patients.peek()) is None or row[0] > seq):
            return  # no patient, no index row: the common case for non-clinical events
        found = set()
        while (row := patients.peek()) is not None and row[0] <= seq:
            patients.next()
            if row[0] < seq:
                raise _Broken(row[0], "patient-index", f"patient index row ({row[0]}, {row[1]}) has no record")
            found.add(row[1])
        expected = {patient for patient in (listed or "").split() if len(patient) <= ID_LENGTH}
        if found != expected:
            raise _Broken(
                seq,
                "patient-index",
                f"the patient index of record {seq} lists {sorted(found)}, the record {sorted(expected)}",
            )

    # -- checkpoints ----------------------------------------------------------------------

    def _check_checkpoint(self, checkpoint: Checkpoint, seq: int, chain_hash: str) -> None:
        status = signature_status(checkpoint, self.keys)
        if status == "unknown-key":
            raise _Broken(
                checkpoint.seq,
                "unknown-key",
                f"checkpoint {checkpoint.seq} is signed by unknown key {checkpoint.key_id}",
            )
        if status != "valid":
            raise _Broken(checkpoint.seq, "bad-signature", f"checkpoint {checkpoint.seq} has an invalid signature")
        if checkpoint.prev_seq != self.checkpoint_seq:
            missing = max(checkpoint.prev_seq, self.checkpoint_seq)
            raise _Broken(
                missing,
                "checkpoint-deleted",
                f"checkpoint {checkpoint.seq} follows checkpoint {checkpoint.prev_seq}, "
                f"but the previous one found is {self.checkpoint_seq}",
            )
        if checkpoint.seq != seq or checkpoint.hash != chain_hash:
            first = self.checkpoint_seq + 1
            raise _Broken(
                first,
                "rewritten",
                f"the chain does not match checkpoint {checkpoint.seq}: {_records(first, checkpoint.seq)} "
                "were rewritten with recomputed hashes",
            )
        self.checkpoint_seq = checkpoint.seq
        self.checkpoints += 1

    # -- end of the log -------------------------------------------------------------------

    def _check_end(self, head: Any, pending: Checkpoint | None, patients: _Peekable) -> None:
        last = self.last_seq
        if pending is not None:
            raise _Broken(
                last + 1,
                "truncated",
                f"checkpoint {pending.seq} signs records up to {pending.seq}, but the log ends at {last}",
            )
        if head is None and last:
            raise _Broken(last, "head-deleted", "the chain head row is missing")
        if head is not None and head.seq > last:
            raise _Broken(last + 1, "truncated", f"{_records(last + 1, head.seq)} missing at the end of the log")
        if head is not None and last and head.hash != self.prev_hash:
            raise _Broken(last, "modified", f"record {last} does not match the chain head: it was rewritten")
        if (row := patients.peek()) is not None:
            raise _Broken(row[0], "patient-index", f"patient index row ({row[0]}, {row[1]}) has no record")
        if head is not None and head.checkpoint_seq != self.checkpoint_seq:
            raise _Broken(
                head.checkpoint_seq,
                "checkpoint-deleted",
                f"the chain head names checkpoint {head.checkpoint_seq}; the last one found is {self.checkpoint_seq}",
            )

    # -- streams --------------------------------------------------------------------------

    def _stream(self, sql: str) -> Iterator[tuple[Any, ...]]:
        """Rows of ``sql`` as plain tuples, through the driver (a server-side cursor on PostgreSQL).

        Bypassing SQLAlchemy's row processing roughly doubles the walk's speed; the
        connection's transaction (and so the snapshot) is the same.
        """
        driver = self.conn.connection.driver_connection
        assert driver is not None
        if self.conn.dialect.name == "postgresql":
            self._cursors += 1
            cursor = driver.cursor(name=f"dsn_audit_verify_{self._cursors}")
        else:
            cursor = driver.cursor()
        try:
            cursor.execute(sql)
            while batch := cursor.fetchmany(BATCH):
                yield from batch
        finally:
            cursor.close()

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        return self._stream(f"SELECT {', '.join(COLUMNS)}, hash FROM audit_log ORDER BY seq")

    def _checkpoints(self) -> Iterator[Checkpoint]:
        sql = "SELECT seq, hash, created, prev_seq, key_id, signature FROM audit_checkpoint ORDER BY seq"
        for row in self._stream(sql):
            yield Checkpoint(*row)

    def _patient_rows(self) -> Iterator[tuple[int, str]]:
        return self._stream("SELECT seq, patient_id FROM audit_patient ORDER BY seq")


class _Peekable:
    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items
        self._next: Any = None
        self._ready = False

    def peek(self) -> Any:
        if not self._ready:
            self._next = next(self._items, None)
            self._ready = True
        return self._next

    def next(self) -> Any:
        item = self.peek()
        self._ready = False
        return item


def _records(first: int, last: int) -> str:
    return f"record {first}" if first == last else f"records {first}..{last}"
