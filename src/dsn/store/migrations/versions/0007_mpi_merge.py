"""patient merges (Patient/$merge)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mpi_merge",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("source_active", sa.String(length=8), nullable=True),
        sa.Column("merged_at", sa.BigInteger(), nullable=False),
        sa.Column("merged_by", sa.String(length=64), nullable=False),
        sa.Column("unmerged_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mpi_merge")),
    )
    op.create_index("ix_mpi_merge_target", "mpi_merge", ["target_id", "unmerged_at"], unique=False)
    op.create_index("ix_mpi_merge_source", "mpi_merge", ["source_id", "unmerged_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mpi_merge_source", table_name="mpi_merge")
    op.drop_index("ix_mpi_merge_target", table_name="mpi_merge")
    op.drop_table("mpi_merge")
