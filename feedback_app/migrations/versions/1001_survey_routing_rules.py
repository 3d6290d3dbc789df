"""survey routing rules per kind, the default survey each kind falls back to, and which
rule chose each interaction's survey

Revision ID: 1001
Revises: 1005
Create Date: 2026-12-02 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1001"
down_revision = "1005"
branch_labels = None
depends_on = None

KIND = sa.Enum("csat", "ces", "nps", name="surveykind", native_enum=False, length=20)


def upgrade() -> None:
    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        *(
            sa.Column(name, sa.String(length=200), nullable=True)
            for name in (
                "channel",
                "team",
                "source",
                "locale",
                "property_name",
                "property_value",
                "tag",
            )
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_routing_rules_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rules")),
    )
    with op.batch_alter_table("routing_rules", schema=None) as batch_op:
        batch_op.create_index("ix_routing_rules_kind_position", ["kind", "position"], unique=False)
    # No row for a kind keeps today's choice, its oldest survey: nothing to fill in.
    op.create_table(
        "default_surveys",
        sa.Column("kind", KIND, nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_default_surveys_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_default_surveys")),
    )
    # The interactions so far got their kind's oldest survey, chosen by no rule: both empty.
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routing_rule_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("routing_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("routing_reason")
        batch_op.drop_column("routing_rule_id")
    op.drop_table("default_surveys")
    with op.batch_alter_table("routing_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_routing_rules_kind_position")
    op.drop_table("routing_rules")
