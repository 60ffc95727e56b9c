"""Tables of the master patient index (see :mod:`dsn.mpi`): derived from Patient resources.

* ``mpi_candidate`` — one row per indexed Patient: its matching features as JSON (what
  comparisons read, so candidates are scored without parsing their resources) and, as
  columns, the facts a person or another query may look up directly (NAM, birth date,
  sex, phonetic keys of the primary names, postal prefix).
* ``mpi_block_key`` — (blocking key hash, patient) pairs, several per patient (see
  :mod:`dsn.mpi.blocking`); the primary key makes "who shares any of these keys" an
  index-only lookup.  Keys are per *patient id* rather than resource ``pk`` so that rows
  can be written before a deferred create is flushed, in the same transaction.
* ``mpi_review`` — probable duplicates found by ``dsn mpi dedupe``, one row per pair
  (``patient_a`` < ``patient_b``), with the reviewer's decision once taken.
* ``mpi_model`` — Fellegi–Sunter parameters estimated on this database by
  ``dsn mpi train`` (absent: the defaults shipped in :mod:`dsn.mpi.default_model`).

All of it can be rebuilt from the Patient resources (``dsn mpi rebuild``) except the
review decisions.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from dsn.store.schema import ID_LENGTH, metadata

mpi_candidate = Table(
    "mpi_candidate",
    metadata,
    Column("patient_id", String(ID_LENGTH), primary_key=True),
    Column("nam", String(16), nullable=True),
    Column("birth_date", String(10), nullable=True),
    Column("sex", String(8), nullable=True),
    Column("family_key", String(32), nullable=True),
    Column("given_key", String(32), nullable=True),
    Column("postal_prefix", String(3), nullable=True),
    Column("features", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated", BigInteger, nullable=False),
)
Index("ix_mpi_candidate_nam", mpi_candidate.c.nam)

mpi_block_key = Table(
    "mpi_block_key",
    metadata,
    Column("key_hash", BigInteger, nullable=False),
    Column("patient_id", String(ID_LENGTH), nullable=False),
    PrimaryKeyConstraint("key_hash", "patient_id", name="pk_mpi_block_key"),
)
Index("ix_mpi_block_key_patient", mpi_block_key.c.patient_id)

mpi_review = Table(
    "mpi_review",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("patient_a", String(ID_LENGTH), nullable=False),
    Column("patient_b", String(ID_LENGTH), nullable=False),
    Column("weight", Float, nullable=False),
    Column("score", Float, nullable=False),
    Column("grade", String(16), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    Column("found", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
)
Index("ix_mpi_review_pair", mpi_review.c.patient_a, mpi_review.c.patient_b, unique=True)
Index("ix_mpi_review_status", mpi_review.c.status, mpi_review.c.weight)

mpi_model = Table(
    "mpi_model",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("params", Text, nullable=False),
    Column("trained", BigInteger, nullable=False),
)

# Merges (Patient/$merge): the source record is replaced by the target; searches and
# $everything for the target follow the open merges. Kept after an unmerge, as history.
mpi_merge = Table(
    "mpi_merge",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("source_id", String(ID_LENGTH), nullable=False),
    Column("target_id", String(ID_LENGTH), nullable=False),
    Column("source_active", String(8), nullable=True),  # Patient.active before the merge (JSON)
    Column("merged_at", BigInteger, nullable=False),
    Column("merged_by", String(ID_LENGTH), nullable=False),
    Column("unmerged_at", BigInteger, nullable=True),
)
Index("ix_mpi_merge_target", mpi_merge.c.target_id, mpi_merge.c.unmerged_at)
Index("ix_mpi_merge_source", mpi_merge.c.source_id, mpi_merge.c.unmerged_at)
