"""survey texts per language: each customer-facing text kept by language tag, with the
survey's default language; the single question and follow-up question move to it

Revision ID: 1105
Revises: 1102
Create Date: 2026-12-02 06:00:00.000000
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "1105"
down_revision = "1102"
branch_labels = None
depends_on = None

#: Every survey so far spoke English by default (its texts were the catalogue's msgids).
DEFAULT_LANGUAGE = "en"


def upgrade() -> None:
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_language",
                sa.String(length=35),
                server_default=DEFAULT_LANGUAGE,
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("texts", sa.JSON(), nullable=True))
    conn = op.get_bind()
    surveys = sa.table(
        "surveys",
        sa.column("id", sa.Integer()),
        sa.column("question", sa.Text()),
        sa.column("followup_question", sa.Text()),
        sa.column("texts", sa.JSON()),
    )
    for survey_id, question, followup in conn.execute(
        sa.select(surveys.c.id, surveys.c.question, surveys.c.followup_question)
    ).all():
        texts = {"question": {DEFAULT_LANGUAGE: question}}
        if followup:
            texts["followup_question"] = {DEFAULT_LANGUAGE: followup}
        conn.execute(surveys.update().where(surveys.c.id == survey_id).values(texts=texts))
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.alter_column("texts", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("followup_question")
        batch_op.drop_column("question")


def downgrade() -> None:
    """Back to one text each: the default language's, else the first one written."""
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("question", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("followup_question", sa.Text(), nullable=True))
    conn = op.get_bind()
    surveys = sa.table(
        "surveys",
        sa.column("id", sa.Integer()),
        sa.column("question", sa.Text()),
        sa.column("followup_question", sa.Text()),
        sa.column("default_language", sa.String()),
        sa.column("texts", sa.JSON()),
    )
    rows = conn.execute(sa.select(surveys.c.id, surveys.c.default_language, surveys.c.texts))
    for survey_id, language, texts in rows.all():
        if isinstance(texts, str):
            texts = json.loads(texts)

        def single(field: str, texts: dict = texts, language: str = language) -> str:
            versions = texts.get(field) or {}
            return versions.get(language) or next(iter(versions.values()), "")

        conn.execute(
            surveys.update()
            .where(surveys.c.id == survey_id)
            .values(question=single("question"), followup_question=single("followup_question"))
        )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.alter_column("question", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("followup_question", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("texts")
        batch_op.drop_column("default_language")
