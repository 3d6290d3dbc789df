"""unsubscribe reasons: why an admin added an unsubscribe by hand, and why one was reversed

Revision ID: 1109
Revises: 1107
Create Date: 2026-12-02 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1109"
down_revision = "1107"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Two empty columns: every row is kept, the existing ones without a reason.
    with op.batch_alter_table("unsubscribes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("revoked_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unsubscribes", schema=None) as batch_op:
        batch_op.drop_column("revoked_reason")
        batch_op.drop_column("reason")
