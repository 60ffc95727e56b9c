"""The tamper-evident audit log: every access to the record, as a FHIR AuditEvent.

* :mod:`record` — :class:`AuditRecord` (who, which patients, what, when, from where,
  why, outcome) and its IHE BALP AuditEvent form.
* :mod:`chain` — canonical row serialization and the SHA-256 hash chain.
* :mod:`writer` — :class:`AuditLog`: append inside a write transaction, or group-commit
  reads (fail closed: the caller learns when its record is durable, or gets an error).
* :mod:`checkpoint` — Ed25519-signed checkpoints of the chain.
* :mod:`verify` — ``dsn audit verify``: walk the chain, name the first broken record.
* :mod:`query`, :mod:`report` — lookups, CSV export, break-the-glass review, yearly report.
"""

from dsn.audit.record import Agent, AuditRecord
from dsn.audit.writer import AuditLog, AuditUnavailable

__all__ = ["Agent", "AuditLog", "AuditRecord", "AuditUnavailable"]
