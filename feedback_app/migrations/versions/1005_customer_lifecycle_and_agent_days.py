"""customer lifecycle and agent days: when a customer joined and left, for retention; each
agent's shift and logged-in time per day, for utilization

Revision ID: 1005
Revises: 0906
Create Date: 2026-12-02 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1005"
down_revision = "0906"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New nullable columns: every customer is kept, with no known lifecycle.
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_since", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("churned_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_customers_customer_since", ["customer_since"], unique=False)
    op.create_table(
        "agent_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift_seconds", sa.Integer(), nullable=False),
        sa.Column("logged_in_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name="fk_agent_days_agent_id_agents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name="fk_agent_days_team_id_teams", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agent_days"),
        sa.UniqueConstraint("agent_id", "day", name="uq_agent_days_agent_id"),
    )
    op.create_index("ix_agent_days_day", "agent_days", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_agent_days_day", table_name="agent_days")
    op.drop_table("agent_days")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_customer_since")
        batch_op.drop_column("churned_at")
        batch_op.drop_column("customer_since")
