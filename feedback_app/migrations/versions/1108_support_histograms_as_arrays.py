"""support histograms stored as arrays of counts (bytes) instead of JSON objects

Revision ID: 1108
Revises: 1003
Create Date: 2026-12-02 06:30:00.000000

Every row is converted: ``buckets`` holds the first bucket with a count, then the count of
each bucket up to the last with one, as little-endian 32-bit integers (the format of
``surveys.support.DenseHistogram`` at this revision, written out here so that the migration
keeps meaning what it meant).
"""

import struct
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "1108"
down_revision = "1003"
branch_labels = None
depends_on = None

KEY = ("measure", "dimension", "segment", "span", "day", "value")
PAGE = 2000


def _to_bytes(counts: dict[str, int]) -> bytes:
    nonzero = {int(bucket): n for bucket, n in counts.items() if n}
    if not nonzero:
        return struct.pack("<i", 0)
    low, high = min(nonzero), max(nonzero)
    values = (nonzero.get(bucket, 0) for bucket in range(low, high + 1))
    return struct.pack(f"<{high - low + 2}i", low, *values)


def _to_json(data: bytes) -> dict[str, int]:
    low, *counts = struct.unpack(f"<{len(data) // 4}i", data)
    return {str(low + i): n for i, n in enumerate(counts) if n}


def _convert(source: str, target: str, convert: Callable[[Any], Any]) -> None:
    """Fill ``target`` from ``source`` on every row, a page of rows at a time in key order."""
    table = sa.table(
        "support_histograms",
        *(sa.column(name) for name in KEY),
        sa.column("counts", sa.JSON),
        sa.column("buckets", sa.LargeBinary),
    )
    key = [table.c[name] for name in KEY]
    conn = op.get_bind()
    last: tuple[Any, ...] | None = None
    while True:
        query = sa.select(*key, table.c[source]).order_by(*key).limit(PAGE)
        if last is not None:
            query = query.where(sa.tuple_(*key) > sa.tuple_(*last))
        rows = conn.execute(query).all()
        if not rows:
            return
        conn.execute(
            table.update()
            .where(*(c == sa.bindparam(f"k_{c.name}") for c in key))
            .values({target: sa.bindparam("converted")}),
            [
                {
                    **{f"k_{name}": row[i] for i, name in enumerate(KEY)},
                    "converted": convert(row[6]),
                }
                for row in rows
            ],
        )
        last = tuple(rows[-1][:6])


def upgrade() -> None:
    op.add_column("support_histograms", sa.Column("buckets", sa.LargeBinary(), nullable=True))
    _convert("counts", "buckets", _to_bytes)
    with op.batch_alter_table(
        "support_histograms", table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.drop_column("counts")
        batch_op.alter_column("buckets", existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    op.add_column("support_histograms", sa.Column("counts", sa.JSON(), nullable=True))
    _convert("buckets", "counts", lambda data: _to_json(bytes(data)))
    with op.batch_alter_table(
        "support_histograms", table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.drop_column("buckets")
        batch_op.alter_column("counts", existing_type=sa.JSON(), nullable=False)
