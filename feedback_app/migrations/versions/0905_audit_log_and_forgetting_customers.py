"""audit log, API key use per day, forgotten addresses; interactions outlive their customer

Revision ID: 0905
Revises: 0903
Create Date: 2026-11-26 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0905"
down_revision = "0903"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column(
            "actor_kind",
            sa.Enum(
                "user",
                "api_key",
                "cli",
                "system",
                "anonymous",
                name="actorkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"], unique=False)
    op.create_index("ix_audit_events_action_at", "audit_events", ["action", "at"], unique=False)
    op.create_table(
        "api_key_uses",
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["api_keys.id"],
            name=op.f("fk_api_key_uses_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_id", "scope", "day", name=op.f("pk_api_key_uses")),
    )
    op.create_index(op.f("ix_api_key_uses_day"), "api_key_uses", ["day"], unique=False)
    op.create_table(
        "forgotten_addresses",
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("forgotten_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("address_hash", name=op.f("pk_forgotten_addresses")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Interactions of forgotten customers have nobody to belong to: they go.
    op.execute("DELETE FROM interactions WHERE customer_id IS NULL")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("forgotten_addresses")
    op.drop_index(op.f("ix_api_key_uses_day"), table_name="api_key_uses")
    op.drop_table("api_key_uses")
    op.drop_index("ix_audit_events_action_at", table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_table("audit_events")
