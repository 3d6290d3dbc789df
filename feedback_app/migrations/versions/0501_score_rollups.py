"""score rollups

Revision ID: 0501
Revises: 0401
Create Date: 2026-11-24 00:11:36.597421
"""

import sqlalchemy as sa
from alembic import op

revision = "0501"
down_revision = "0401"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_rollups",
        sa.Column(
            "dimension",
            sa.Enum(
                "all",
                "channel",
                "team",
                "agent",
                name="rollupdimension",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        *(sa.Column(f"s{score}", sa.Integer(), nullable=False) for score in range(11)),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_score_rollups_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "dimension", "survey_id", "day", "value", name=op.f("pk_score_rollups")
        ),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("score_rollups")
