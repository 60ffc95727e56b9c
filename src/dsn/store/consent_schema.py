"""Consent directives, flattened into rules the access filter can join cheaply.

Consent resources are the record of the patient's choices; ``consent_rule`` is derived
from them in the same transaction as every Consent write, so a refusal or restriction
holds from the next request on. One row per (patient, kind, label, actor):

* ``refuse``   — no sharing of the patient's data through DSN;
* ``category`` — resources labelled ``label`` (PSY, ETH, SEX, HIV, STD…) are hidden,
  from everyone or only from ``actor``;
* ``actor``    — the whole record is hidden from ``actor`` (a Practitioner or an
  Organization, as ``Type/id``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from dsn.store.schema import ID_LENGTH, metadata

consent_rule = Table(
    "consent_rule",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("consent_pk", BigInteger, nullable=False),
    Column("patient_id", String(ID_LENGTH), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("label", String(16), nullable=True),
    Column("actor", String(200), nullable=True),
    Column("effective_from", BigInteger, nullable=False),
    Column("effective_to", BigInteger, nullable=True),
)
Index("ix_consent_rule_patient", consent_rule.c.patient_id, consent_rule.c.kind)
Index("ix_consent_rule_consent", consent_rule.c.consent_pk)
