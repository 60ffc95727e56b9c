"""The application's own connection cannot change or remove audit rows (triggers, both backends)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from dsn.audit import AuditLog
from dsn.audit.query import review_break_glass
from tests.audit.support import NURSE, PHYSICIAN, sample

REFUSED = [
    "UPDATE audit_log SET user_id = 'x' WHERE seq = 1",
    "UPDATE audit_log SET seq = 99",
    "DELETE FROM audit_log WHERE seq = 1",
    "DELETE FROM audit_log",
    "UPDATE audit_patient SET patient_id = 'x'",
    "DELETE FROM audit_patient",
    "UPDATE audit_checkpoint SET hash = 'x'",
    "DELETE FROM audit_checkpoint",
    "UPDATE audit_review SET decision = 'justified'",
    "DELETE FROM audit_review",
    "DELETE FROM audit_head",
]


@pytest.fixture
def filled(audit: AuditLog) -> AuditLog:
    from dsn.audit import AuditRecord

    for i in range(5):
        audit.record_read(sample(i))
    seq = audit.record_read(AuditRecord(NURSE, "read", patient_ids=("p",), break_glass=True))
    review_break_glass(audit, seq, decision="needs-follow-up", reviewer=PHYSICIAN)
    return audit


@pytest.mark.parametrize("statement", REFUSED)
def test_app_connection_cannot_update_or_delete_audit_rows(filled: AuditLog, engine: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))


def test_the_rows_are_still_there_and_the_chain_moves_on(filled: AuditLog, engine: Engine) -> None:
    for statement in REFUSED:
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 7
    assert filled.record_read(sample(9)) == 8  # the head itself stays updatable


def test_postgresql_refusal_is_a_privilege_error(filled: AuditLog, engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL SQLSTATE")
    with pytest.raises(DBAPIError) as raised, engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    assert raised.value.orig.sqlstate == "42501"  # type: ignore[union-attr]
