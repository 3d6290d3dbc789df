"""kpi reviews: one row per review emailed, unique per kind, period and recipient

Revision ID: 1103
Revises: 1105
Create Date: 2026-12-02 06:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1103"
down_revision = "1105"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_review_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("weekly", "monthly", name="reviewkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_kpi_review_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_review_deliveries")),
        sa.UniqueConstraint(
            "kind", "period_start", "user_id", name="uq_kpi_review_deliveries_kind_period_user"
        ),
    )


def downgrade() -> None:
    op.drop_table("kpi_review_deliveries")
