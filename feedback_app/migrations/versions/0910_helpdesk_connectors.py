"""helpdesk connectors: connectors, their deliveries, and each interaction's source

Revision ID: 0910
Revises: 0801
Create Date: 2026-11-25 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0910"
down_revision = "0801"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connectors",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("previous_secret", sa.String(length=200), nullable=True),
        sa.Column("previous_secret_until", sa.DateTime(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("delay_seconds", sa.Integer(), nullable=True),
        sa.Column("skip_tags", sa.JSON(), nullable=False),
        sa.Column("skip_teams", sa.JSON(), nullable=False),
        sa.Column("skip_channels", sa.JSON(), nullable=False),
        sa.Column("access_token", sa.String(length=500), nullable=True),
        sa.Column("api_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_connectors_survey_id_surveys"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connectors")),
    )
    op.create_table(
        "connector_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.String(length=60), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "pending",
                "created",
                "updated",
                "duplicate",
                "ignored",
                "rejected",
                name="outcome",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("delivery_key", sa.String(length=200), nullable=True),
        sa.Column("ticket_id", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("channel", sa.String(length=200), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("processed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors.id"],
            name=op.f("fk_connector_deliveries_connector_id_connectors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_connector_deliveries_interaction_id_interactions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_deliveries")),
    )
    with op.batch_alter_table("connector_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_connector_deliveries_connector_id", ["connector_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_connector_deliveries_key", ["connector_id", "delivery_key"], unique=False
        )
        batch_op.create_index(
            "ix_connector_deliveries_ticket", ["connector_id", "ticket_id"], unique=False
        )
        batch_op.create_index(
            "ix_connector_deliveries_sha256", ["connector_id", "body_sha256"], unique=False
        )
        batch_op.create_index(
            "ix_connector_deliveries_outcome", ["outcome", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_connector_deliveries_received_at", ["received_at"], unique=False)

    # Every interaction so far was posted to the API; its external id is now unique per
    # source, so two helpdesks may both have a ticket 42.
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=60), server_default="api", nullable=False)
        )
        batch_op.drop_constraint("uq_interactions_external_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_interactions_source_external_id", ["source", "external_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_interactions_source_external_id", type_="unique")
        batch_op.create_unique_constraint("uq_interactions_external_id", ["external_id"])
        batch_op.drop_column("source")
    op.drop_table("connector_deliveries")
    op.drop_table("connectors")
