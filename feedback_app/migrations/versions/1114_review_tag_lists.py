"""review tag lists: tags as rows admins keep (shared and per team) instead of five fixed values

Revision ID: 1114
Revises: 1113
Create Date: 2026-12-03 10:00:00.000000

The five fixed tags become the shared list, in their old order, and every tag on a comment
points at its row: no review loses a tag. Downgrading keeps the tags of the five fixed names
(matched case-insensitively) and drops the others, which the old schema cannot hold.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "1114"
down_revision = "1113"
branch_labels = None
depends_on = None

#: The fixed tags as they were stored, and their names in the shared list.
FIXED = ("praise", "product", "billing", "process", "other")


def upgrade() -> None:
    review_tags = op.create_table(
        "review_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("folded", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_review_tags_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_tags")),
    )
    op.create_index("uq_review_tags_team_folded", "review_tags", ["team_id", "folded"], unique=True)
    op.create_index(
        "uq_review_tags_shared_folded",
        "review_tags",
        ["folded"],
        unique=True,
        postgresql_where=sa.text("team_id IS NULL"),
        sqlite_where=sa.text("team_id IS NULL"),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        review_tags,
        [
            {
                "id": position,
                "team_id": None,
                "name": value.title(),
                "folded": value,
                "position": position,
                "archived_at": None,
                "created_at": now,
            }
            for position, value in enumerate(FIXED, start=1)
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval('review_tags_id_seq', (SELECT max(id) FROM review_tags))")

    with op.batch_alter_table("comment_review_tags") as batch_op:
        batch_op.add_column(sa.Column("tag_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE comment_review_tags SET tag_id = (SELECT review_tags.id FROM review_tags"
        " WHERE review_tags.team_id IS NULL AND review_tags.folded = comment_review_tags.tag)"
    )
    with op.batch_alter_table("comment_review_tags", recreate="always") as batch_op:
        batch_op.drop_constraint("pk_comment_review_tags", type_="primary")
        batch_op.drop_column("tag")
        batch_op.alter_column("tag_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_primary_key("pk_comment_review_tags", ["review_id", "tag_id"])
        batch_op.create_foreign_key(
            op.f("fk_comment_review_tags_tag_id_review_tags"), "review_tags", ["tag_id"], ["id"]
        )


def downgrade() -> None:
    fixed = sa.Enum(*FIXED, name="reviewtag", native_enum=False, length=20)
    with op.batch_alter_table("comment_review_tags") as batch_op:
        batch_op.add_column(sa.Column("tag", fixed, nullable=True))
    op.execute(
        "UPDATE comment_review_tags SET tag = (SELECT review_tags.folded FROM review_tags"
        " WHERE review_tags.id = comment_review_tags.tag_id)"
    )
    listed = ", ".join(f"'{value}'" for value in FIXED)
    op.execute(f"DELETE FROM comment_review_tags WHERE tag IS NULL OR tag NOT IN ({listed})")
    # Two tags of the same name in two lists would both become one: keep one row.
    op.execute(
        "DELETE FROM comment_review_tags WHERE EXISTS (SELECT 1 FROM comment_review_tags AS o"
        " WHERE o.review_id = comment_review_tags.review_id AND o.tag = comment_review_tags.tag"
        " AND o.tag_id < comment_review_tags.tag_id)"
    )
    with op.batch_alter_table("comment_review_tags", recreate="always") as batch_op:
        batch_op.drop_constraint(
            op.f("fk_comment_review_tags_tag_id_review_tags"), type_="foreignkey"
        )
        batch_op.drop_constraint("pk_comment_review_tags", type_="primary")
        batch_op.drop_column("tag_id")
        batch_op.alter_column("tag", existing_type=fixed, nullable=False)
        batch_op.create_primary_key("pk_comment_review_tags", ["review_id", "tag"])
    op.drop_index("uq_review_tags_shared_folded", table_name="review_tags")
    op.drop_index("uq_review_tags_team_folded", table_name="review_tags")
    op.drop_table("review_tags")
