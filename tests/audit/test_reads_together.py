"""Reads recorded together: one wait for several reads' audit records, still fail closed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dsn.service.context import SYSTEM, RequestContext
from dsn.service.errors import FhirError
from dsn.service.records import RecordService
from dsn.store.audit_schema import audit_log

CTX = RequestContext(SYSTEM, request_id="together")


def _count(service: RecordService) -> int:
    with service.store.read() as session:
        return int(session.conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def test_every_read_in_the_block_is_recorded_before_the_block_ends(service: RecordService) -> None:
    service.create(CTX, "Patient", {"resourceType": "Patient", "name": [{"family": "Côté"}]})
    before = _count(service)
    with service.auditor.reads_together():
        for _ in range(5):
            service.search(CTX, "Patient", [("name", "cote")])
    assert _count(service) == before + 5


def test_blocks_nest_and_the_outer_one_waits(service: RecordService) -> None:
    before = _count(service)
    with service.auditor.reads_together():
        with service.auditor.reads_together():
            service.search(CTX, "Patient", [])
        service.search(CTX, "Patient", [])
    assert _count(service) == before + 2


def test_a_read_that_cannot_be_recorded_fails_the_block_with_503(service: RecordService) -> None:
    service.audit_log.close()
    with pytest.raises(FhirError) as raised, service.auditor.reads_together():
        service.search(CTX, "Patient", [])
    assert raised.value.status == 503
