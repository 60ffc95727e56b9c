"""Auditing as the service applies it: one record per interaction, fail closed.

* Writes: the records join the writing transaction (``append_in`` as its last step),
  so data and audit commit or roll back together.
* Reads: the response is released only once its record is durable
  (``record_read``, group-committed with concurrent reads); if that fails the caller
  gets a 503 and no data.
* Refusals (401 excepted, 403, 404…): recorded as minor failures, best effort, so a
  privacy officer sees who tried to reach what.

A read that returns data of a patient under the caller's break-the-glass grant is
flagged, and so is the grant itself: both land in the review queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlencode

import structlog

from dsn.audit.record import AuditRecord
from dsn.audit.writer import AuditLog, AuditUnavailable
from dsn.service.context import RequestContext
from dsn.service.errors import FhirError
from dsn.store.records import StoredResource
from dsn.store.session import StoreSession

log = structlog.get_logger("dsn.audit")


def patients_of(items: Iterable[StoredResource]) -> list[str]:
    return sorted({item.patient_key for item in items if item.patient_key})


def references_of(items: Iterable[StoredResource], *, versioned: bool = False) -> list[str]:
    if versioned:
        return [f"{item.res_type}/{item.res_id}/_history/{item.version}" for item in items]
    return [f"{item.res_type}/{item.res_id}" for item in items]


_pending_reads: ContextVar[list[Future[int]] | None] = ContextVar("dsn_pending_reads", default=None)


class Auditor:
    def __init__(self, log_: AuditLog) -> None:
        self.log = log_

    @contextmanager
    def reads_together(self) -> Iterator[None]:
        """Reads inside the block are recorded as they happen but waited for once, at its end.

        For a page built from several reads: their records commit while the next read
        runs instead of one after the other. Still fail closed: the block does not end
        (and the caller must not answer) until every record is durable; a failure
        raises the same 503 as a single read.
        """
        if _pending_reads.get() is not None:
            yield  # already inside a block: the outer one waits
            return
        pending: list[Future[int]] = []
        token = _pending_reads.set(pending)
        try:
            yield
        finally:
            _pending_reads.reset(token)
            for future in pending:
                self._wait(future)

    def read(
        self,
        ctx: RequestContext,
        subtype: str,
        items: list[StoredResource],
        *,
        resource_type: str | None = None,
        query: list[tuple[str, str]] | None = None,
        glass_patients: Iterable[str] = (),
        versioned: bool = False,
        patients: Iterable[str] = (),
    ) -> None:
        """Record a read and wait until it is durable; 503 (no data) if it cannot be."""
        returned = set(patients_of(items)) | set(patients)
        record = AuditRecord.for_request(
            ctx,
            subtype,
            patient_ids=sorted(returned),
            entities=references_of(items, versioned=versioned),
            resource_type=resource_type,
            query=urlencode(query) if query else None,
            break_glass=bool(returned & set(glass_patients)),
        )
        self.durable(record)

    def durable(self, record: AuditRecord) -> None:
        pending = _pending_reads.get()
        try:
            if pending is not None:
                pending.append(self.log.submit_read(record))
            else:
                self.log.record_read(record)
        except AuditUnavailable as exc:
            log.error("audit_unavailable", error=str(exc), request_id=record.request_id)
            raise FhirError(
                503,
                "transient",
                "the access could not be recorded in the audit log, so it was not performed; retry later",
                headers={"Retry-After": "5"},
            ) from None

    def _wait(self, future: Future[int]) -> None:
        try:
            self.log.wait(future)
        except AuditUnavailable as exc:
            log.error("audit_unavailable", error=str(exc))
            raise FhirError(
                503,
                "transient",
                "the access could not be recorded in the audit log, so it was not performed; retry later",
                headers={"Retry-After": "5"},
            ) from None

    def write(self, session: StoreSession, ctx: RequestContext, subtype: str, stored: StoredResource) -> None:
        """Queue the record of a write; it is appended when the session's work is done."""
        session.audit_records.append(
            AuditRecord.for_request(
                ctx,
                subtype,
                patient_ids=[stored.patient_key] if stored.patient_key else [],
                entities=[f"{stored.res_type}/{stored.res_id}/_history/{stored.version}"],
                resource_type=stored.res_type,
            )
        )

    def event(self, session: StoreSession, record: AuditRecord) -> None:
        session.audit_records.append(record)

    def flush(self, session: StoreSession) -> None:
        """Append the session's queued records: the last statement before commit."""
        if session.audit_records:
            records, session.audit_records = session.audit_records, []
            session.flush()
            self.log.append_in(session.conn, records)

    @staticmethod
    def refusal_record(
        ctx: RequestContext, subtype: str, resource_type: str | None, error: FhirError, entity: str | None
    ) -> AuditRecord:
        return AuditRecord.for_request(
            ctx,
            subtype,
            outcome=4 if error.status < 500 else 8,
            entities=[entity] if entity else [],
            resource_type=resource_type,
            detail=f"{error.status}: {error.issues[0].diagnostics if error.issues else ''}"[:500],
        )

    def refusal(
        self, ctx: RequestContext, subtype: str, resource_type: str | None, error: FhirError, entity: str | None
    ) -> None:
        """Best-effort record of a refused or failed request (never hides the original error)."""
        if ctx.caller.kind in ("anonymous", "system"):
            return
        record = self.refusal_record(ctx, subtype, resource_type, error, entity)
        try:
            self.log.record_read(record)
        except AuditUnavailable:
            log.error("audit_unavailable_for_refusal", request_id=ctx.request_id)
