"""responses announced to webhooks: when response.created went out, and what it told (the
score, digests of the comment and of the additional answers)

Every response settled so far had its ``response.created`` queued when it was settled, so
it counts as announced, as it now reads; one not yet settled is announced by the worker.

Revision ID: 1107
Revises: 1104
Create Date: 2026-12-02 16:00:00.000000
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "1107"
down_revision = "1104"
branch_labels = None
depends_on = None

#: Rows read and written per statement.
BATCH = 1000

responses = sa.table(
    "responses",
    sa.column("id", sa.Integer()),
    sa.column("score", sa.Integer()),
    sa.column("comment", sa.Text()),
    sa.column("updated_at", sa.DateTime()),
    sa.column("counted_score", sa.Integer()),
    sa.column("announced_at", sa.DateTime()),
    sa.column("announced_score", sa.Integer()),
    sa.column("announced_comment_digest", sa.String()),
    sa.column("announced_answers_digest", sa.String()),
)
answers = sa.table(
    "response_answers",
    sa.column("response_id", sa.Integer()),
    sa.column("question_id", sa.Integer()),
    sa.column("choice_id", sa.Integer()),
    sa.column("text", sa.Text()),
    sa.column("rating", sa.Integer()),
)


def _digest(text: str) -> str:
    """As ``services.announcing`` digests at this revision: a comment as it is, the answers
    as their rows sorted, in JSON."""
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announced_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("announced_score", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("announced_comment_digest", sa.String(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("announced_answers_digest", sa.String(length=64), nullable=True)
        )
    conn = op.get_bind()
    settled = responses.c.counted_score.is_not(None)
    conn.execute(
        sa.update(responses)
        .where(settled)
        .values(announced_at=responses.c.updated_at, announced_score=responses.c.counted_score)
    )
    last = 0
    while rows := conn.execute(
        sa.select(responses.c.id, responses.c.comment)
        .where(settled, responses.c.comment != "", responses.c.id > last)
        .order_by(responses.c.id)
        .limit(BATCH)
    ).all():
        conn.execute(
            sa.update(responses)
            .where(responses.c.id == sa.bindparam("rid"))
            .values(announced_comment_digest=sa.bindparam("digest")),
            [{"rid": rid, "digest": _digest(comment)} for rid, comment in rows],
        )
        last = rows[-1][0]
    parts: dict[int, list[list[object]]] = {}
    for rid, *row in conn.execute(
        sa.select(
            answers.c.response_id,
            answers.c.question_id,
            answers.c.choice_id,
            answers.c.text,
            answers.c.rating,
        ).where(answers.c.response_id.in_(sa.select(responses.c.id).where(settled)))
    ):
        parts.setdefault(rid, []).append(row)
    digests = [
        {"rid": rid, "digest": _digest(json.dumps(sorted(rows, key=json.dumps)))}
        for rid, rows in parts.items()
    ]
    for start in range(0, len(digests), BATCH):
        conn.execute(
            sa.update(responses)
            .where(responses.c.id == sa.bindparam("rid"))
            .values(announced_answers_digest=sa.bindparam("digest")),
            digests[start : start + BATCH],
        )
    op.create_index(
        "ix_responses_unannounced",
        "responses",
        ["id"],
        postgresql_where=sa.text("announced_at IS NULL"),
        sqlite_where=sa.text("announced_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_responses_unannounced", table_name="responses")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("announced_answers_digest")
        batch_op.drop_column("announced_score")
        batch_op.drop_column("announced_comment_digest")
        batch_op.drop_column("announced_at")
