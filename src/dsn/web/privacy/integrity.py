"""The audit chain's tamper check for the privacy pages: run it, record it, read the last result back.

The check is :func:`dsn.audit.verify.verify` (what ``dsn audit verify`` runs), against
the public half of the server's audit key. Who may run or see it is the rule of the
rest of the audit tools: the access policy's ``search`` on ``AuditEvent`` (the role
matrix's ``audit`` category), applied by the service's access control, with refusals
audited like any other.

Each run is recorded in the audit log itself (subtype ``audit-verify``, action E, the
result in words as the record's detail), so the page shows the last result, when and
by whom, in every server process, without a table of its own; reading it back goes
through :func:`dsn.service.audit_access.audit_search`, which audits that the result
was viewed. The whole chain is walked on each run (minutes on a very large log), so
the page does not run it on every visit: a button does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select

from dsn.audit.checkpoint import audit_key_path, load_verify_keys
from dsn.audit.record import AuditRecord
from dsn.audit.verify import VerifyReport, verify
from dsn.service.audit_access import audit_search
from dsn.service.context import RequestContext
from dsn.service.records import RecordService
from dsn.store.audit_schema import audit_checkpoint, audit_head
from dsn.web.privacy.access import require_audit_reader
from dsn.web.privacy.events import EventRow, rows_of

SUBTYPE: Final = "audit-verify"
_OK: Final = re.compile(r"verified (\d+) records, (\d+) checkpoints")
_BROKEN: Final = re.compile(
    r"audit log broken at record (\d+) \(([a-z-]+)\): (.*) \((\d+) records, (\d+) checkpoints verified before it\)",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One recorded run of the check, as read back from the log."""

    event: EventRow
    ok: bool
    records: int | None
    checkpoints: int | None
    broken_seq: int | None = None
    broken_kind: str | None = None
    broken_message: str | None = None


@dataclass(frozen=True, slots=True)
class ChainState:
    """The chain as it stands: its last record, and its last signed checkpoint."""

    last_seq: int
    checkpoint_seq: int | None
    checkpoint_at: int | None  # µs since the epoch


def run_check(service: RecordService, ctx: RequestContext) -> VerifyReport:
    """Verify the whole chain (privacy officers), and record that it was run and what it found."""
    require_audit_reader(service, ctx, SUBTYPE)
    path = audit_key_path(service.settings.data_dir)
    report = verify(service.store.engine, load_verify_keys([path] if path.exists() else []))
    service.auditor.durable(AuditRecord.for_request(ctx, SUBTYPE, resource_type="AuditEvent", detail=describe(report)))
    return report


def describe(report: VerifyReport) -> str:
    """The run's result in words, as stored in its audit record (and read back by :func:`parse`)."""
    if report.ok:
        return report.summary()
    return f"{report.summary()} ({report.records} records, {report.checkpoints} checkpoints verified before it)"


def last_check(service: RecordService, ctx: RequestContext) -> CheckResult | None:
    """The most recent successful run, read through the audited (and access-checked) log search."""
    bundle = audit_search(service, ctx, {"subtype": SUBTYPE, "outcome": "0", "_count": "1"})
    rows = rows_of(bundle)
    return parse(rows[0]) if rows else None


def parse(event: EventRow) -> CheckResult:
    detail = event.detail or ""
    if found := _OK.fullmatch(detail):
        return CheckResult(event, True, int(found.group(1)), int(found.group(2)))
    if found := _BROKEN.fullmatch(detail):
        return CheckResult(
            event,
            False,
            int(found.group(4)),
            int(found.group(5)),
            broken_seq=int(found.group(1)),
            broken_kind=found.group(2),
            broken_message=found.group(3),
        )
    return CheckResult(event, False, None, None, broken_message=detail or None)


def chain_state(service: RecordService) -> ChainState:
    """Where the chain ends and its last checkpoint (call after the caller was checked)."""
    with service.store.read() as session:
        head = session.conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1)).scalar()
        checkpoint = session.conn.execute(
            select(audit_checkpoint.c.seq, audit_checkpoint.c.created).order_by(audit_checkpoint.c.seq.desc()).limit(1)
        ).first()
    return ChainState(
        int(head or 0),
        int(checkpoint.seq) if checkpoint else None,
        int(checkpoint.created) if checkpoint else None,
    )
