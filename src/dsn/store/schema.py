"""The relational schema: resources, their versions, and one search index table per type.

This module is the single description of the tables; Alembic migrations create and
upgrade them, and a test checks that the migrated database matches this metadata.

Layout (see docs/architecture.md):

* ``resource`` holds the current version of every resource (deleted ones included, as
  tombstones) so that a read is one indexed row.
* ``resource_version`` holds every version, for vread and history.
* ``labels`` holds the resource's security labels (`` R PSY ``, see
  dsn.fhir.security_labels) so that access filters need no join.
* ``source_org``/``source_region`` record who wrote the resource; records may be
  changed only from the region that wrote them.
* ``idx_*`` tables hold search values extracted on write, in the same transaction.
  Every row carries the resource type, the parameter code and the patient key, so
  that per-patient queries never scan other patients' rows and the data could be
  distributed by patient.

Times are stored as integer microseconds since the Unix epoch (UTC): exact, compact,
and compared identically by SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

ID_LENGTH = 64
TYPE_LENGTH = 64
INDEXED_STRING_LENGTH = 255

resource = Table(
    "resource",
    metadata,
    Column("pk", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("res_type", String(TYPE_LENGTH), nullable=False),
    Column("res_id", String(ID_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Column("last_updated", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("patient_key", String(ID_LENGTH), nullable=True),
    Column("source_org", String(ID_LENGTH), nullable=True),
    Column("source_region", String(ID_LENGTH), nullable=True),
    Column("labels", String(200), nullable=True),
    Column("body", Text, nullable=True),
    UniqueConstraint("res_type", "res_id", name="uq_resource_type_id"),
)
Index("ix_resource_type_updated", resource.c.res_type, resource.c.last_updated)
Index("ix_resource_patient", resource.c.patient_key, resource.c.res_type)

resource_version = Table(
    "resource_version",
    metadata,
    Column("pk", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("resource_pk", BigInteger, ForeignKey("resource.pk"), nullable=False),
    Column("res_type", String(TYPE_LENGTH), nullable=False),
    Column("res_id", String(ID_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Column("last_updated", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("method", String(8), nullable=False),
    Column("patient_key", String(ID_LENGTH), nullable=True),
    Column("labels", String(200), nullable=True),
    Column("body", Text, nullable=True),
    UniqueConstraint("resource_pk", "version", name="uq_resource_version_resource_version"),
)
Index("ix_resource_version_updated", resource_version.c.last_updated, resource_version.c.pk)
Index(
    "ix_resource_version_type_updated",
    resource_version.c.res_type,
    resource_version.c.last_updated,
    resource_version.c.pk,
)


def _index_table(name: str, *value_columns: Column) -> Table:
    """An index table: common columns (owner, type, parameter, patient, group) + values."""
    return Table(
        name,
        metadata,
        Column("resource_pk", BigInteger, ForeignKey("resource.pk"), nullable=False),
        Column("res_type", String(TYPE_LENGTH), nullable=False),
        Column("param", String(100), nullable=False),
        Column("patient_key", String(ID_LENGTH), nullable=True),
        Column("grp", Integer, nullable=False, default=0),
        *value_columns,
    )


idx_string = _index_table(
    "idx_string",
    Column("value_norm", String(INDEXED_STRING_LENGTH), nullable=True),
    Column("value_exact", String(INDEXED_STRING_LENGTH), nullable=True),
)
idx_token = _index_table(
    "idx_token",
    Column("system", String(INDEXED_STRING_LENGTH), nullable=True),
    Column("code", String(INDEXED_STRING_LENGTH), nullable=True),
    Column("text_norm", String(INDEXED_STRING_LENGTH), nullable=True),
)
idx_date = _index_table(
    "idx_date",
    Column("low", BigInteger, nullable=False),
    Column("high", BigInteger, nullable=False),
)
idx_reference = _index_table(
    "idx_reference",
    Column("target_type", String(TYPE_LENGTH), nullable=True),
    Column("target_id", String(ID_LENGTH), nullable=True),
    Column("target_version", String(ID_LENGTH), nullable=True),
    Column("url", String(INDEXED_STRING_LENGTH), nullable=True),
)
idx_quantity = _index_table(
    "idx_quantity",
    Column("value", Float, nullable=True),
    Column("low", Float, nullable=True),
    Column("high", Float, nullable=True),
    Column("system", String(INDEXED_STRING_LENGTH), nullable=True),
    Column("code", String(INDEXED_STRING_LENGTH), nullable=True),
    Column("unit", String(INDEXED_STRING_LENGTH), nullable=True),
)
idx_number = _index_table(
    "idx_number",
    Column("value", Float, nullable=True),
    Column("low", Float, nullable=True),
    Column("high", Float, nullable=True),
)
idx_uri = _index_table(
    "idx_uri",
    Column("value", String(INDEXED_STRING_LENGTH), nullable=True),
)

INDEX_TABLES: dict[str, Table] = {
    t.name: t for t in (idx_string, idx_token, idx_date, idx_reference, idx_quantity, idx_number, idx_uri)
}

# Lookup indexes: (type, param, value...) for search; resource_pk for rewrite on update;
# (patient, type, param, ...) for per-patient queries.
# varchar_pattern_ops: PostgreSQL uses a btree for ``LIKE 'abc%'`` only under the C
# collation; with pattern ops the prefix search (the default string match) is a range
# scan whatever the database collation (C.UTF-8, fr_CA...). Equality still works.
Index(
    "ix_idx_string_lookup",
    idx_string.c.res_type,
    idx_string.c.param,
    idx_string.c.value_norm,
    postgresql_ops={"value_norm": "varchar_pattern_ops"},
)
Index("ix_idx_token_lookup", idx_token.c.res_type, idx_token.c.param, idx_token.c.code, idx_token.c.system)
Index(
    "ix_idx_token_patient",
    idx_token.c.patient_key,
    idx_token.c.res_type,
    idx_token.c.param,
    idx_token.c.code,
)
Index("ix_idx_date_lookup", idx_date.c.res_type, idx_date.c.param, idx_date.c.low, idx_date.c.high)
Index(
    "ix_idx_reference_lookup",
    idx_reference.c.target_id,
    idx_reference.c.res_type,
    idx_reference.c.param,
    idx_reference.c.target_type,
)
Index("ix_idx_reference_url", idx_reference.c.url, idx_reference.c.res_type, idx_reference.c.param)
# What a patient's resources refer to ($everything's referenced resources), index-only.
Index(
    "ix_idx_reference_patient",
    idx_reference.c.patient_key,
    idx_reference.c.target_type,
    idx_reference.c.target_id,
)
Index("ix_idx_quantity_lookup", idx_quantity.c.res_type, idx_quantity.c.param, idx_quantity.c.value)
Index("ix_idx_number_lookup", idx_number.c.res_type, idx_number.c.param, idx_number.c.value)
Index("ix_idx_uri_lookup", idx_uri.c.res_type, idx_uri.c.param, idx_uri.c.value)
for _table in INDEX_TABLES.values():
    Index(f"ix_{_table.name}_resource", _table.c.resource_pk)

# Tracks `dsn reindex` progress so an interrupted rebuild resumes where it stopped.
reindex_job = Table(
    "reindex_job",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("last_pk", BigInteger, nullable=False, default=0),
    Column("done", Boolean, nullable=False, default=False),
)

# Tables of the other modules share this metadata, and so the migrations: identity and
# access, the audit log, consent rules, the master patient index.
from dsn.store import (  # noqa: E402
    audit_schema,  # noqa: F401
    consent_schema,  # noqa: F401
    mpi_schema,  # noqa: F401
    security_schema,  # noqa: F401
)
