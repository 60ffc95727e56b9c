"""consent rules derived from Consent resources

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_rule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("consent_pk", sa.BigInteger(), nullable=False),
        sa.Column("patient_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("effective_from", sa.BigInteger(), nullable=False),
        sa.Column("effective_to", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_rule")),
    )
    op.create_index("ix_consent_rule_patient", "consent_rule", ["patient_id", "kind"], unique=False)
    op.create_index("ix_consent_rule_consent", "consent_rule", ["consent_pk"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_consent_rule_consent", table_name="consent_rule")
    op.drop_index("ix_consent_rule_patient", table_name="consent_rule")
    op.drop_table("consent_rule")
