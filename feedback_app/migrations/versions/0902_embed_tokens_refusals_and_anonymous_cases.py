"""embed: spent form tokens, refusal counts, and the follow-up rule's anonymous_cases

Revision ID: 0902
Revises: 0901
Create Date: 2026-12-01 20:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0902"
down_revision = "0901"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spent_embed_tokens",
        sa.Column("token_id", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_spent_embed_tokens")),
    )
    op.create_index(op.f("ix_spent_embed_tokens_expires_at"), "spent_embed_tokens", ["expires_at"])
    op.create_table(
        "embed_refusal_counts",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.DateTime(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_embed_refusal_counts_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "minute", name=op.f("pk_embed_refusal_counts")),
    )
    # Anonymous answers open no case unless an admin asks for it, on existing rules too.
    with op.batch_alter_table("followup_rules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("anonymous_cases", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("followup_rules", schema=None) as batch_op:
        batch_op.drop_column("anonymous_cases")
    op.drop_table("embed_refusal_counts")
    op.drop_index(op.f("ix_spent_embed_tokens_expires_at"), table_name="spent_embed_tokens")
    op.drop_table("spent_embed_tokens")
