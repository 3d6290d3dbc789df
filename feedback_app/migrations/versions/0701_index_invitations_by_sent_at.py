"""index invitations by sent_at, for the response rate

Revision ID: 0701
Revises: 0601
Create Date: 2026-11-24 01:10:57.463537
"""

from alembic import op

revision = "0701"
down_revision = "0601"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index("ix_invitations_sent_at", ["sent_at", "responded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_invitations_sent_at")
