"""embed refusals: widgets refused for their site or customer identity, for the admin page

Revision ID: 1113
Revises: 1109
Create Date: 2026-12-02 19:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1113"
down_revision = "1109"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table: no existing row is touched.
    op.create_table(
        "embed_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.DateTime(), nullable=False),
        sa.Column("problem", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_embed_refusals_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embed_refusals")),
        sa.UniqueConstraint(
            "survey_id",
            "problem",
            "origin",
            "minute",
            name=op.f("uq_embed_refusals_survey_id"),
        ),
    )
    op.create_index("ix_embed_refusals_survey_minute", "embed_refusals", ["survey_id", "minute"])


def downgrade() -> None:
    op.drop_index("ix_embed_refusals_survey_minute", table_name="embed_refusals")
    op.drop_table("embed_refusals")
