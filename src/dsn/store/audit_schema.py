"""Tables of the tamper-evident audit log (see :mod:`dsn.audit`).

* ``audit_log``: one row per audit record. ``seq`` is assigned by the chain writer
  (1, 2, 3 … with no gaps, not a database sequence) so that a missing row shows as a
  gap; every row holds ``prev_hash`` (the previous row's ``hash``) and its own
  ``hash``. The queryable facts (who, which patients, what, when, from where) are
  columns, and the FHIR AuditEvent is derived from them when served (deterministically:
  see :meth:`dsn.audit.record.AuditRecord.to_event`), which keeps rows small — the log
  grows with every access. The hash covers every column, so no part of a row can
  change unnoticed.
* ``audit_patient``: (seq, patient) pairs, so "who accessed my record" is an index
  lookup. ``dsn audit verify`` checks it against ``audit_log.patients``.
* ``audit_head``: one row (``id`` = 1) holding the chain's last seq and hash and the
  last checkpoint. Appending locks it (``SELECT … FOR UPDATE`` on PostgreSQL), which
  serializes chain writers across threads and processes.
* ``audit_checkpoint``: Ed25519-signed (seq, hash, time, previous checkpoint) of the
  chain; checkpoints form a chain of their own so that deleting one is visible.
* ``audit_review``: privacy officers' decisions on break-the-glass records.

``audit_log``, ``audit_patient``, ``audit_checkpoint`` and ``audit_review`` are
append-only: migration 0004 installs triggers that refuse UPDATE and DELETE (both
backends). Only a database owner/superuser can disable them — which is precisely the
tampering that ``dsn audit verify`` detects. No foreign keys: a tampered row must be
reportable, not unstorable, and the verifier checks the links itself.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from dsn.store.schema import ID_LENGTH, metadata

HASH_LENGTH = 64  # SHA-256, hex

# Widths of the indexed text columns; the writer clips values to them so that an
# over-long value can never make a batch of audit records fail to commit.
USER_LENGTH = 255
ROLE_LENGTH = 32
REGION_LENGTH = 16
CLIENT_LENGTH = 100
NETWORK_LENGTH = 64
SUBTYPE_LENGTH = 64
REQUEST_ID_LENGTH = 64

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("recorded", BigInteger, nullable=False),
    Column("action", String(1), nullable=False),
    Column("subtype", String(SUBTYPE_LENGTH), nullable=False),
    Column("outcome", Integer, nullable=False),
    Column("agent_kind", String(16), nullable=False),
    Column("user_id", String(USER_LENGTH), nullable=False),
    Column("user_display", Text, nullable=True),
    Column("user_ref", String(USER_LENGTH), nullable=True),
    Column("role", String(ROLE_LENGTH), nullable=True),
    Column("organization", String(ID_LENGTH), nullable=True),
    Column("region", String(REGION_LENGTH), nullable=True),
    Column("client_id", String(CLIENT_LENGTH), nullable=True),
    Column("network", String(NETWORK_LENGTH), nullable=True),
    Column("purpose", Text, nullable=True),
    Column("patients", Text, nullable=True),
    Column("entities", Text, nullable=True),
    Column("res_types", Text, nullable=True),
    Column("query", Text, nullable=True),
    Column("request_id", String(REQUEST_ID_LENGTH), nullable=True),
    Column("break_glass", Boolean, nullable=False),
    Column("detail", Text, nullable=True),
    Column("prev_hash", String(HASH_LENGTH), nullable=False),
    Column("hash", String(HASH_LENGTH), nullable=False),
)
Index("ix_audit_log_recorded", audit_log.c.recorded)
Index("ix_audit_log_user", audit_log.c.user_id, audit_log.c.seq)
Index("ix_audit_log_organization", audit_log.c.organization, audit_log.c.seq)
Index("ix_audit_log_region", audit_log.c.region, audit_log.c.seq)
Index("ix_audit_log_subtype", audit_log.c.subtype, audit_log.c.seq)
Index("ix_audit_log_break_glass", audit_log.c.break_glass, audit_log.c.seq)

audit_patient = Table(
    "audit_patient",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("patient_id", String(ID_LENGTH), primary_key=True),
)
Index("ix_audit_patient_patient", audit_patient.c.patient_id, audit_patient.c.seq)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(HASH_LENGTH), nullable=False),
    Column("checkpoint_seq", BigInteger, nullable=False),
    Column("checkpoint_at", BigInteger, nullable=False),
)

audit_checkpoint = Table(
    "audit_checkpoint",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(HASH_LENGTH), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("prev_seq", BigInteger, nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signature", String(128), nullable=False),
)

audit_review = Table(
    "audit_review",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("reviewed_by", String(USER_LENGTH), nullable=False),
    Column("decision", String(32), nullable=False),
    Column("comment", Text, nullable=True),
    Column("reviewed_at", BigInteger, nullable=False),
    Column("review_seq", BigInteger, nullable=False),
)
Index("ix_audit_review_seq", audit_review.c.seq, audit_review.c.reviewed_at)

APPEND_ONLY_TABLES = ("audit_log", "audit_patient", "audit_checkpoint", "audit_review")
