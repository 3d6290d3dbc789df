"""Keeping the support rollups true: entries moved in batches, a rebuild and a check.

Writes add to the stored sums with an upsert, so concurrent writers never lose an increment,
and delete nothing: a row whose counts fall to zero stays, counting nothing.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from feedback_app.extensions import db
from feedback_app.models import Customer, Interaction, SupportHistogram, SupportRollup
from feedback_app.services.support import segments
from feedback_app.services.support.entries import (
    Facts,
    HistogramKey,
    RollupKey,
    SupportEntry,
    aware,
    entry_of,
    verdicts,
)
from surveys.metrics import Contact
from surveys.support import TALLY_COLUMNS, SupportTally

#: Interactions whose entries are computed together by a rebuild or a check.
CHUNK = 5000
#: Sums of squares are floats: compared with this relative tolerance.
SQUARES_TOLERANCE = 1e-9

opened_column = sa.func.coalesce(Interaction.opened_at, Interaction.created_at)

FACT_COLUMNS = (
    Interaction.id,
    Interaction.customer_id,
    opened_column,
    Interaction.resolved_at,
    Interaction.first_response_at,
    Interaction.first_response_seconds,
    Interaction.answered,
    Interaction.first_contact_resolved,
    Interaction.handle_seconds,
    Interaction.talk_seconds,
    Interaction.hold_seconds,
    Interaction.after_work_seconds,
    Interaction.channel,
    Interaction.team_id,
    Interaction.agent_id,
    Interaction.topic,
)


def facts_of(row: Any) -> Facts:
    values = list(row)
    values[2] = aware(values[2])
    values[12] = str(values[12])
    return Facts(*values)


def repeat_window() -> timedelta:
    """How long after a resolution a new contact undoes it (``FCR_REPEAT_DAYS``)."""
    return timedelta(days=current_app.config["FCR_REPEAT_DAYS"])


def apply_entries(added: Iterable[SupportEntry], removed: Iterable[SupportEntry] = ()) -> int:
    """Add ``added`` to the support rollups and take ``removed`` out; does not commit.

    Returns how many rollup rows were written.
    """
    # Sparse sums: a contact changes a few of a row's sums, and this runs for every batch.
    tallies: dict[RollupKey, Counter[str]] = defaultdict(Counter)
    cells: Counter[HistogramKey] = Counter()
    for entry in added:
        for key, tally in entry.tallies():
            tallies[key].update(tally.nonzero())
        cells.update(entry.buckets())
    for entry in removed:
        for key, tally in entry.tallies():
            tallies[key].subtract(tally.nonzero())
        cells.subtract(entry.buckets())
    return _write(tallies, cells)


def _write(tallies: dict[RollupKey, Counter[str]], cells: Counter[HistogramKey]) -> int:
    dialect = db.session.get_bind().dialect.name
    rows = [
        {
            "dimension": d,
            "segment": s,
            "day": day,
            "value": v,
            **{column: sums.get(column, 0) for column in TALLY_COLUMNS},
        }
        # One order for every writer, so two transactions never wait on each other's rows.
        for (d, s, day, v), sums in sorted(tallies.items())
        if any(sums.values())
    ]
    if rows:
        db.session.execute(_upsert(dialect, "rollups"), rows)
    histogram = [
        {
            "measure": m,
            "dimension": d,
            "segment": s,
            "span": span,
            "day": day,
            "value": v,
            "bucket": bucket,
            "n": n,
        }
        for (m, d, s, span, day, v, bucket), n in sorted(cells.items())
        if n
    ]
    if histogram:
        db.session.execute(_upsert(dialect, "histograms"), histogram)
    return len(rows) + len(histogram)


@functools.cache
def _upsert(dialect: str, table_name: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE adding the new sums to the stored ones (built once)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    model = SupportRollup if table_name == "rollups" else SupportHistogram
    table = model.__table__
    statement = insert(table)
    sums = TALLY_COLUMNS if model is SupportRollup else ("n",)
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={column: table.c[column] + statement.excluded[column] for column in sums},
    )


# --- Computing entries from the interactions ------------------------------------------------


@dataclass(frozen=True)
class Computed:
    """One interaction's entry as of now, beside what is stored."""

    id: int
    entry: SupportEntry
    counted: dict[str, Any] | None
    unsettled: bool


def computed_entries(*, as_counted: bool = False) -> Iterator[list[Computed]]:
    """Every interaction's entry as of now, a chunk at a time, each customer's interactions
    in one chunk (the repeat-contact rule judges them together).

    ``as_counted`` judges repeat contacts as the rollups have them so far: an interaction
    the worker has yet to settle counts where it was last counted (or not at all).
    """
    window = repeat_window()
    query = (
        sa.select(*FACT_COLUMNS, Customer.properties, Interaction.counted, Interaction.unsettled)
        .outerjoin(Customer, Customer.id == Interaction.customer_id)
        .order_by(Interaction.customer_id, opened_column, Interaction.id)
        .execution_options(yield_per=CHUNK)
    )
    chunk: list[tuple[Facts, Any]] = []
    for row in db.session.execute(query):
        facts = facts_of(row[: len(FACT_COLUMNS)])
        if len(chunk) >= CHUNK and facts.customer_id != chunk[-1][0].customer_id:
            yield _entries(chunk, window, as_counted)
            chunk = []
        chunk.append((facts, row[len(FACT_COLUMNS) :]))
    if chunk:
        yield _entries(chunk, window, as_counted)


def _entries(chunk: list[tuple[Facts, Any]], window: timedelta, as_counted: bool) -> list[Computed]:
    contacts = []
    for facts, (_, counted, unsettled) in chunk:
        if not (as_counted and unsettled):
            contacts.append(facts.contact)
        elif counted is not None and counted["customer"] is not None:
            entry = SupportEntry.from_json(counted)
            contacts.append(Contact(entry.customer or 0, entry.opened_at))
    judged = verdicts((facts for facts, _ in chunk), contacts, window)
    return [
        Computed(
            facts.id,
            entry_of(facts, judged[facts.id], segments.values_of(properties)),
            counted,
            unsettled,
        )
        for facts, (properties, counted, unsettled) in chunk
    ]


_TABLE = Interaction.__table__
#: On the table, not the model: one statement executed for many rows at once.
_SET_COUNTED = (
    sa.update(_TABLE)
    .where(_TABLE.c.id == sa.bindparam("row_id"))
    .values(counted=sa.bindparam("entry"), unsettled=False)
)


def set_counted(entries: Iterable[tuple[int, SupportEntry]]) -> None:
    """Record each interaction's entry as counted, and the interaction as settled."""
    params = [{"row_id": i, "entry": entry.as_json()} for i, entry in entries]
    if params:
        db.session.execute(_SET_COUNTED, params)


def rebuild_support_rollups() -> int:
    """Recompute the support rollups and every interaction's entry; flushes, does not commit.

    Use it after writing interactions behind the services' back (SQL, a restore), or after
    declaring a new segment. Returns the number of rollup rows.
    """
    db.session.flush()
    db.session.execute(sa.delete(SupportRollup))
    db.session.execute(sa.delete(SupportHistogram))
    for chunk in computed_entries():
        set_counted((c.id, c.entry) for c in chunk)
        apply_entries(c.entry for c in chunk)
    return sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (SupportRollup, SupportHistogram)
    )


def support_rollup_differences() -> list[str]:
    """Describe every support rollup row, histogram row and interaction entry that differs
    from a fresh computation from the interactions; empty when all agree."""
    tallies: dict[RollupKey, SupportTally] = defaultdict(SupportTally)
    cells: Counter[HistogramKey] = Counter()
    differences = []
    for chunk in computed_entries(as_counted=True):
        for item in chunk:
            counted = None if item.counted is None else SupportEntry.from_json(item.counted)
            if item.unsettled:
                # Counted as last counted, until the worker moves it.
                entry = counted
            else:
                entry = item.entry
                if counted != entry:
                    differences.append(
                        f"interaction {item.id}: counted as {counted}, is now {entry}"
                    )
            if entry is None:
                continue
            for key, tally in entry.tallies():
                tallies[key] += tally
            cells.update(entry.buckets())
    return differences + _tally_differences(tallies) + _histogram_differences(cells)


def _tally_differences(computed: dict[RollupKey, SupportTally]) -> list[str]:
    stored: dict[RollupKey, SupportTally] = {}
    for row in db.session.execute(sa.select(SupportRollup.__table__)):
        tally = SupportTally(*(row._mapping[c] for c in TALLY_COLUMNS))
        if tally != SupportTally():
            stored[(row.dimension, row.segment, row.day, row.value)] = tally
    computed = {key: tally for key, tally in computed.items() if tally != SupportTally()}
    return [
        f"support {key[0]} {key[1] or '-'} {key[2]} {key[3] or '-'}: "
        f"stored {stored.get(key)}, interactions give {computed.get(key)}"
        for key in sorted(stored.keys() | computed.keys())
        if not _same(stored.get(key), computed.get(key))
    ]


def _same(a: SupportTally | None, b: SupportTally | None) -> bool:
    if a is None or b is None:
        return a is b
    for column in TALLY_COLUMNS:
        x, y = getattr(a, column), getattr(b, column)
        if column.endswith("_sq"):
            if abs(x - y) > SQUARES_TOLERANCE * max(abs(x), abs(y), 1):
                return False
        elif x != y:
            return False
    return True


def _histogram_differences(computed: Counter[HistogramKey]) -> list[str]:
    table = SupportHistogram.__table__
    stored: Counter[HistogramKey] = Counter()
    for row in db.session.execute(sa.select(table).where(table.c.n != 0)):
        key = tuple(row)[:-1]
        stored[key] = row.n  # type: ignore[index]
    computed = Counter({key: n for key, n in computed.items() if n})
    return [
        f"histogram {' '.join(str(part) for part in key)}: "
        f"stored {stored.get(key, 0)}, interactions give {computed.get(key, 0)}"
        for key in sorted(stored.keys() | computed.keys())
        if stored.get(key, 0) != computed.get(key, 0)
    ]
