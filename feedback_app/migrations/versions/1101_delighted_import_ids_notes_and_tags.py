"""Delighted imports: the Delighted ids of imported people and responses, so that importing
an export again changes nothing, and the notes and tags of Delighted's responses

Revision ID: 1101
Revises: 1108
Create Date: 2026-12-02 06:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "1101"
down_revision = "1108"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # New tables only: every existing row is kept as it is.
    op.create_table(
        "delighted_people",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("delighted_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name="fk_delighted_people_customer_id_customers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name="pk_delighted_people"),
        sa.UniqueConstraint("delighted_id", name="uq_delighted_people_delighted_id"),
    )
    op.create_table(
        "delighted_responses",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("delighted_id", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name="fk_delighted_responses_response_id_responses",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name="pk_delighted_responses"),
        sa.UniqueConstraint("delighted_id", name="uq_delighted_responses_delighted_id"),
    )


def downgrade() -> None:
    op.drop_table("delighted_responses")
    op.drop_table("delighted_people")
