"""master patient index: candidate features, blocking keys, duplicate review list, model

Revision ID: 0006
Revises: 0005

Derived from Patient resources (``dsn mpi rebuild`` fills them for existing data),
except ``mpi_review`` decisions and the trained ``mpi_model``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mpi_candidate",
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("nam", sa.String(length=16), nullable=True),
        sa.Column("birth_date", sa.String(length=10), nullable=True),
        sa.Column("sex", sa.String(length=8), nullable=True),
        sa.Column("family_key", sa.String(length=32), nullable=True),
        sa.Column("given_key", sa.String(length=32), nullable=True),
        sa.Column("postal_prefix", sa.String(length=3), nullable=True),
        sa.Column("features", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_mpi_candidate")),
    )
    op.create_index("ix_mpi_candidate_nam", "mpi_candidate", ["nam"], unique=False)
    op.create_table(
        "mpi_block_key",
        sa.Column("key_hash", sa.BigInteger(), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", "patient_id", name="pk_mpi_block_key"),
    )
    op.create_index("ix_mpi_block_key_patient", "mpi_block_key", ["patient_id"], unique=False)
    op.create_table(
        "mpi_review",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_a", sa.String(length=64), nullable=False),
        sa.Column("patient_b", sa.String(length=64), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("found", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mpi_review")),
    )
    op.create_index("ix_mpi_review_pair", "mpi_review", ["patient_a", "patient_b"], unique=True)
    op.create_index("ix_mpi_review_status", "mpi_review", ["status", "weight"], unique=False)
    op.create_table(
        "mpi_model",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("trained", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_mpi_model")),
    )


def downgrade() -> None:
    op.drop_table("mpi_model")
    op.drop_index("ix_mpi_review_status", table_name="mpi_review")
    op.drop_index("ix_mpi_review_pair", table_name="mpi_review")
    op.drop_table("mpi_review")
    op.drop_index("ix_mpi_block_key_patient", table_name="mpi_block_key")
    op.drop_table("mpi_block_key")
    op.drop_index("ix_mpi_candidate_nam", table_name="mpi_candidate")
    op.drop_table("mpi_candidate")
