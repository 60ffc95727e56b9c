"""Helpers for the audit tests: sample records, and tampering with the tables directly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, text

from dsn.audit import Agent, AuditRecord

PHYSICIAN = Agent(
    kind="user",
    user_id="u-tremblay",
    display="Dre Marie Tremblay",
    role="physician",
    organization="org-cnmtl",
    region="06",
    client_id="chart",
    network_address="10.1.2.3",
    purpose_of_use=("TREAT",),
    fhir_user="Practitioner/pr-1",
)
NURSE = Agent(kind="user", user_id="u-gagnon", display="Luc Gagnon", role="nurse", organization="org-mcq", region="04")


def sample(i: int, agent: Agent = PHYSICIAN) -> AuditRecord:
    """A varied record: reads and searches over a handful of patients."""
    patient = f"pat-{i % 3}"
    if i % 4 == 3:
        return AuditRecord(
            agent, "search-type", patient_ids=(patient,), resource_type="Observation", query=f"patient={patient}"
        )
    return AuditRecord(agent, "read", patient_ids=(patient,), entities=(f"Observation/obs-{i}",), request_id=f"r{i}")


@contextmanager
def tampering(engine: Engine) -> Iterator[Connection]:
    """A transaction with the append-only triggers out of the way, as only an owner could.

    PostgreSQL: ``session_replication_role = replica`` (superuser only) stops ordinary
    triggers for the transaction. SQLite: the triggers are dropped and recreated.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                yield conn
                return
            triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            yield conn
            for _name, sql in triggers:
                conn.exec_driver_sql(sql)


def row(conn: Connection, seq: int) -> dict[str, Any]:
    return dict(conn.execute(text("SELECT * FROM audit_log WHERE seq = :seq"), {"seq": seq}).mappings().one())


def shift(conn: Connection, table: str, first: int, by: int) -> None:
    """Renumber rows ``seq >= first`` by ``by`` without tripping the primary key."""
    conn.execute(text(f"UPDATE {table} SET seq = -seq WHERE seq >= :first"), {"first": first})
    conn.execute(text(f"UPDATE {table} SET seq = -seq + :by WHERE seq < 0"), {"by": by})


def move(conn: Connection, table: str, source: int, target: int) -> None:
    conn.execute(text(f"UPDATE {table} SET seq = :target WHERE seq = :source"), {"source": source, "target": target})
