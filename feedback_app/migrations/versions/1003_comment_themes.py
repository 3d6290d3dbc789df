"""comment themes: kept theme runs, their themes and mentions; pinned themes and their tags;
responses indexed by when they were last written

Revision ID: 1003
Revises: 1006
Create Date: 2026-12-02 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1003"
down_revision = "1006"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade() -> None:
    op.create_index("ix_responses_updated_at_id", "responses", ["updated_at", "id"])
    op.create_table(
        "theme_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("kind", _enum("surveykind", "csat", "ces", "nps"), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column(
            "bucket",
            _enum("bucket", "promoter", "passive", "detractor", "satisfied", "unsatisfied"),
            nullable=True,
        ),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("team", sa.String(length=20), nullable=True),
        sa.Column("agent", sa.String(length=20), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("comments_by_bucket", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_runs")),
        sa.UniqueConstraint("scope", name=op.f("uq_theme_runs_scope")),
    )
    op.create_index("ix_theme_runs_pending", "theme_runs", ["pending", "requested_at"])
    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("by_bucket", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["theme_runs.id"],
            name=op.f("fk_themes_run_id_theme_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
    )
    op.create_index(op.f("ix_themes_run_id"), "themes", ["run_id"])
    op.create_table(
        "theme_mentions",
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_theme_mentions_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_theme_mentions_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("theme_id", "response_id", name=op.f("pk_theme_mentions")),
    )
    op.create_index(op.f("ix_theme_mentions_response_id"), "theme_mentions", ["response_id"])
    op.create_table(
        "pinned_themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("pinned_by_id", sa.Integer(), nullable=True),
        sa.Column("pinned_at", sa.DateTime(), nullable=False),
        sa.Column("tagged_through", sa.DateTime(), nullable=False),
        sa.Column("tagged_through_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pinned_by_id"],
            ["users.id"],
            name=op.f("fk_pinned_themes_pinned_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pinned_themes")),
        sa.UniqueConstraint("phrase", name=op.f("uq_pinned_themes_phrase")),
    )
    op.create_table(
        "theme_tags",
        sa.Column("pinned_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("tagged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pinned_id"],
            ["pinned_themes.id"],
            name=op.f("fk_theme_tags_pinned_id_pinned_themes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_theme_tags_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pinned_id", "response_id", name=op.f("pk_theme_tags")),
    )
    op.create_index(op.f("ix_theme_tags_response_id"), "theme_tags", ["response_id"])


def downgrade() -> None:
    op.drop_table("theme_tags")
    op.drop_table("pinned_themes")
    op.drop_table("theme_mentions")
    op.drop_table("themes")
    op.drop_table("theme_runs")
    op.drop_index("ix_responses_updated_at_id", table_name="responses")
