"""kpi targets: a goal per KPI, overall or for one team, with a deadline

Revision ID: 1102
Revises: 1101
Create Date: 2026-12-02 06:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1102"
down_revision = "1101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table: no existing row changes.
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=40), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name="fk_targets_team_id_teams", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_targets"),
    )
    op.create_index("ix_targets_team_id", "targets", ["team_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_targets_team_id", table_name="targets")
    op.drop_table("targets")
