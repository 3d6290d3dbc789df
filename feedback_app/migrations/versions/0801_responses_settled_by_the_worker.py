"""responses settled by the worker: unsettled flag and the score the rollups count

Revision ID: 0801
Revises: 0701
Create Date: 2026-11-24 04:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0801"
down_revision = "0701"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unsettled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("counted_score", sa.Integer(), nullable=True))
    # Every response written so far was settled (and counted) when it was written.
    op.execute("UPDATE responses SET counted_score = score")
    op.create_index(
        "ix_responses_unsettled",
        "responses",
        ["id"],
        postgresql_where=sa.text("unsettled"),
        sqlite_where=sa.text("unsettled"),
    )


def downgrade() -> None:
    op.drop_index("ix_responses_unsettled", table_name="responses")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("counted_score")
        batch_op.drop_column("unsettled")
