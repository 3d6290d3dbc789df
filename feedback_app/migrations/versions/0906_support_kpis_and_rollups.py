"""support KPIs: interaction topic, answered and handle-time parts; support rollups;
customer segments in the score rollups

Revision ID: 0906
Revises: 0904
Create Date: 2026-12-01 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0906"
down_revision = "0904"
branch_labels = None
depends_on = None

TALLY_COLUMNS = (
    ("volume", sa.Integer()),
    ("abandoned", sa.Integer()),
    ("fcr_n", sa.Integer()),
    ("fcr_yes", sa.Integer()),
    ("handle_n", sa.Integer()),
    ("handle_sum", sa.BigInteger()),
    ("handle_sq", sa.Float()),
    ("talk_n", sa.Integer()),
    ("talk_sum", sa.BigInteger()),
    ("talk_sq", sa.Float()),
    ("hold_n", sa.Integer()),
    ("hold_sum", sa.BigInteger()),
    ("hold_sq", sa.Float()),
    ("after_work_n", sa.Integer()),
    ("after_work_sum", sa.BigInteger()),
    ("after_work_sq", sa.Float()),
    ("resolution_n", sa.Integer()),
    ("resolution_sum", sa.BigInteger()),
    ("resolution_sq", sa.Float()),
    ("first_response_n", sa.Integer()),
    ("first_response_sum", sa.BigInteger()),
    ("first_response_sq", sa.Float()),
)
SUPPORT_DIMENSIONS = ("all", "channel", "team", "agent", "topic", "segment")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=320), nullable=True)
    # Anonymous contacts have no customer: interactions.customer_id is nullable since 0905.
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topic", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("answered", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        for name in (
            "talk_seconds",
            "hold_seconds",
            "after_work_seconds",
            "first_response_seconds",
        ):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("unsettled", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("counted", sa.JSON(), nullable=True))
    # Every interaction so far is new to the support rollups: the worker counts them (or
    # ``feedback rollups rebuild`` does at once).
    op.execute("UPDATE interactions SET unsettled = true")
    op.create_index(
        "ix_interactions_unsettled",
        "interactions",
        ["id"],
        postgresql_where=sa.text("unsettled"),
        sqlite_where=sa.text("unsettled"),
    )

    with op.batch_alter_table(
        "score_rollups",
        schema=None,
        recreate="always",
        table_kwargs={"sqlite_with_rowid": False},
    ) as batch_op:
        batch_op.add_column(
            sa.Column("segment", sa.String(length=100), server_default="", nullable=False)
        )
        batch_op.alter_column(
            "value", existing_type=sa.String(length=40), type_=sa.String(length=200)
        )
        batch_op.drop_constraint("pk_score_rollups", type_="primary")
        batch_op.create_primary_key(
            "pk_score_rollups", ["dimension", "survey_id", "day", "segment", "value"]
        )

    op.create_table(
        "support_rollups",
        sa.Column("dimension", _enum("supportdimension", *SUPPORT_DIMENSIONS), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=False),
        sa.Column("span", _enum("span", "day", "month"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        *(sa.Column(name, kind, nullable=False) for name, kind in TALLY_COLUMNS),
        sa.PrimaryKeyConstraint(
            "dimension", "segment", "span", "day", "value", name=op.f("pk_support_rollups")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "support_histograms",
        sa.Column(
            "measure", _enum("durationmeasure", "resolution", "first_response"), nullable=False
        ),
        sa.Column("dimension", _enum("supportdimension", *SUPPORT_DIMENSIONS), nullable=False),
        sa.Column("segment", sa.String(length=100), nullable=False),
        sa.Column("span", _enum("span", "day", "month"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "measure",
            "dimension",
            "segment",
            "span",
            "day",
            "value",
            name=op.f("pk_support_histograms"),
        ),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("support_histograms")
    op.drop_table("support_rollups")
    op.execute("DELETE FROM score_rollups WHERE dimension = 'segment'")
    with op.batch_alter_table(
        "score_rollups",
        schema=None,
        recreate="always",
        table_kwargs={"sqlite_with_rowid": False},
    ) as batch_op:
        batch_op.drop_constraint("pk_score_rollups", type_="primary")
        batch_op.drop_column("segment")
        batch_op.alter_column(
            "value", existing_type=sa.String(length=200), type_=sa.String(length=40)
        )
        batch_op.create_primary_key("pk_score_rollups", ["dimension", "survey_id", "day", "value"])
    op.drop_index("ix_interactions_unsettled", table_name="interactions")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        for name in (
            "counted",
            "unsettled",
            "first_response_seconds",
            "after_work_seconds",
            "hold_seconds",
            "talk_seconds",
            "answered",
            "topic",
        ):
            batch_op.drop_column(name)
    op.execute("UPDATE agents SET email = 'agent-' || id || '@unknown.invalid' WHERE email IS NULL")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=320), nullable=False)
