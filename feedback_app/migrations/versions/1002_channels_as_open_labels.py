"""channels as open labels: the five fixed channels become labels ("Email", "Social media"),
with the channel labels and the admins' aliases in their own tables

Every interaction, response and rollup row keeps its place: each former value is renamed to
its label in the rows, in the score and support rollups and histograms, and in each
interaction's last counted support entry, so settling later subtracts from the renamed rows.

Revision ID: 1002
Revises: 1001
Create Date: 2026-12-02 01:00:00.000000
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "1002"
down_revision = "1001"
branch_labels = None
depends_on = None

#: As ``surveys.channels.FORMER`` was written when this migration was (a migration keeps its
#: own copy: the module may change).
RENAMES = {
    "email": "Email",
    "chat": "Chat",
    "phone": "Phone",
    "social": "Social media",
    "other": "Other",
}
OLD_TYPE = sa.Enum(*RENAMES, name="channel", native_enum=False, length=20)
ROLLUPS = ("score_rollups", "support_rollups", "support_histograms")


def upgrade() -> None:
    op.create_table(
        "channel_labels",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_channel_labels")),
        sa.UniqueConstraint("label", name=op.f("uq_channel_labels_label")),
    )
    op.create_table(
        "channel_aliases",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_channel_aliases")),
    )
    for table, nullable in (("interactions", False), ("responses", True)):
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                "channel",
                existing_type=OLD_TYPE,
                type_=sa.String(length=200),
                existing_nullable=nullable,
            )
    _rename(RENAMES)
    # The labels in use: each of the five values that rows hold.
    bind = op.get_bind()
    used = (
        bind.execute(
            sa.text(
                "SELECT channel FROM interactions UNION "
                "SELECT channel FROM responses WHERE channel IS NOT NULL"
            )
        )
        .scalars()
        .all()
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    labels = sa.table(
        "channel_labels",
        sa.column("key", sa.String),
        sa.column("label", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    rows = [{"key": label.casefold(), "label": label, "created_at": now} for label in used]
    if rows:
        op.bulk_insert(labels, rows)


def downgrade() -> None:
    """Back to the five values: a label that is none of theirs becomes ``other``."""
    _rename({label: old for old, label in RENAMES.items()})
    known = tuple(RENAMES)
    for table in ("interactions", "responses"):
        op.execute(
            sa.text(
                f"UPDATE {table} SET channel = 'other' "
                "WHERE channel IS NOT NULL AND channel NOT IN :known"
            ).bindparams(sa.bindparam("known", known, expanding=True))
        )
    for table, nullable in (("interactions", False), ("responses", True)):
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                "channel",
                existing_type=sa.String(length=200),
                type_=OLD_TYPE,
                existing_nullable=nullable,
            )
    op.drop_table("channel_aliases")
    op.drop_table("channel_labels")


def _rename(renames: dict[str, str]) -> None:
    """Rename channel values in the rows, the rollups and the counted support entries.

    Rollup rows of labels that a downgrade folds together are not merged: after a downgrade,
    ``feedback rollups rebuild`` recounts them.
    """
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        counted = (
            "UPDATE interactions SET counted = json_set(counted, '$.channel', :new) "
            "WHERE json_extract(counted, '$.channel') = :old"
        )
    else:
        counted = (
            "UPDATE interactions SET counted = "
            "(counted::jsonb || jsonb_build_object('channel', CAST(:new AS text)))::json "
            "WHERE counted->>'channel' = :old"
        )
    for old, new in renames.items():
        values = {"old": old, "new": new}
        for table in ("interactions", "responses"):
            bind.execute(sa.text(f"UPDATE {table} SET channel = :new WHERE channel = :old"), values)
        for table in ROLLUPS:
            bind.execute(
                sa.text(
                    f"UPDATE {table} SET value = :new WHERE dimension = 'channel' AND value = :old"
                ),
                values,
            )
        bind.execute(sa.text(counted), values)
