"""Keeping the support rollups true: entries moved in batches, a rebuild and a check.

Writes add to the stored sums with an upsert, so concurrent writers never lose an increment,
and delete nothing: a row whose counts fall to zero stays, counting nothing.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from feedback_app.extensions import db
from feedback_app.models import (
    Customer,
    Interaction,
    Span,
    SupportDimension,
    SupportHistogram,
    SupportRollup,
)
from feedback_app.services.support import segments
from feedback_app.services.support.entries import (
    Facts,
    HistogramKey,
    RollupKey,
    SupportEntry,
    aware,
    entry_of,
    spans_of,
    verdicts,
)
from surveys.metrics import Contact
from surveys.support import TALLY_COLUMNS, DenseHistogram, SupportTally

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


Histograms = dict[HistogramKey, Counter[int]]


def apply_entries(added: Iterable[SupportEntry], removed: Iterable[SupportEntry] = ()) -> int:
    """Add ``added`` to the support rollups and take ``removed`` out; does not commit.

    Returns how many rollup rows were written.
    """
    # Sparse sums: a contact changes a few of a row's sums, and this runs for every batch.
    tallies: dict[RollupKey, Counter[str]] = defaultdict(Counter)
    histograms: Histograms = defaultdict(Counter)
    for sign, entries in ((1, added), (-1, removed)):
        for entry in entries:
            for key, sums in entry.sparse_tallies():
                if sign > 0:
                    tallies[key].update(sums)
                else:
                    tallies[key].subtract(sums)
            for key, bucket in entry.buckets():
                histograms[key][bucket] += sign
    return add_tallies(tallies) + merge_histograms(histograms)


def add_tallies(tallies: dict[RollupKey, Counter[str]]) -> int:
    """Add the sums to the rollup rows, in one upsert; returns the rows written."""
    rows = [
        {
            "dimension": d,
            "segment": s,
            "span": span,
            "day": day,
            "value": v,
            **{column: sums.get(column, 0) for column in TALLY_COLUMNS},
        }
        # One order for every writer, so two transactions never wait on each other's rows.
        for (d, s, span, day, v), sums in sorted(tallies.items())
        if any(sums.values())
    ]
    if rows:
        db.session.execute(_upsert(db.session.get_bind().dialect.name), rows)
    return len(rows)


#: Histogram rows read (and locked) per query while merging.
_KEYS_PER_QUERY = 500
_HISTOGRAM_KEY = tuple(
    SupportHistogram.__table__.c[name]
    for name in ("measure", "dimension", "segment", "span", "day", "value")
)


def merge_histograms(deltas: Histograms) -> int:
    """Add per-bucket counts to the histogram rows; returns the rows written.

    A row holds a whole histogram, so it is read, merged and written back, locked in between
    (PostgreSQL; SQLite has one writer), in one key order for every writer.
    """
    keys = sorted(key for key, counts in deltas.items() if any(counts.values()))
    if not keys:
        return 0
    table = SupportHistogram.__table__
    rows = []
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        part = keys[start : start + _KEYS_PER_QUERY]
        stored = {
            tuple(row[:6]): row[6]
            for row in db.session.execute(
                sa.select(*_HISTOGRAM_KEY, table.c.buckets)
                .where(sa.tuple_(*_HISTOGRAM_KEY).in_(part))
                .order_by(*_HISTOGRAM_KEY)
                .with_for_update()
            )
        }
        for key in part:
            merged = stored.get(key) or DenseHistogram()
            merged.add_counts(deltas[key])
            rows.append(_histogram_row(key, merged))
    db.session.execute(_upsert(db.session.get_bind().dialect.name, histograms=True), rows)
    return len(rows)


def _histogram_row(key: HistogramKey, buckets: DenseHistogram) -> dict[str, Any]:
    measure, dimension, segment, span, day, value = key
    return {
        "measure": measure,
        "dimension": dimension,
        "segment": segment,
        "span": span,
        "day": day,
        "value": value,
        "buckets": buckets,
    }


@functools.cache
def _upsert(dialect: str, histograms: bool = False) -> Any:
    """INSERT … ON CONFLICT DO UPDATE adding the new sums to the stored ones, or replacing a
    histogram by its merged counts (built once per dialect)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = (SupportHistogram if histograms else SupportRollup).__table__
    statement = insert(table)
    updates = (
        {"buckets": statement.excluded.buckets}
        if histograms
        else {column: table.c[column] + statement.excluded[column] for column in TALLY_COLUMNS}
    )
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns), set_=updates
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


def dimensions() -> list[tuple[SupportDimension, str]]:
    """Every (dimension, segment) the support rollups keep."""
    fixed = [(d, "") for d in SupportDimension if d is not SupportDimension.SEGMENT]
    return fixed + [(SupportDimension.SEGMENT, name) for name in segments.declared()]


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
        add_tallies(_tallies(c.entry for c in chunk))
    _rebuild_histograms()
    return sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (SupportRollup, SupportHistogram)
    )


def _rebuild_histograms() -> None:
    """Every histogram from the entries just counted, read once in the order they close.

    A day's histograms are written when the next day starts and a month's when the next
    month does, so memory holds one month of them, not every day of every agent. A row
    written before (only when closing times are out of order) is merged, the rest inserted:
    the order bounds memory, never the counts.
    """
    spans: dict[Span, Histograms] = {span: defaultdict(Counter) for span in Span}
    current: dict[Span, date | None] = dict.fromkeys(Span)
    written: set[HistogramKey] = set()
    query = (
        sa.select(Interaction.counted)
        .where(Interaction.counted.is_not(None))
        .order_by(sa.func.coalesce(Interaction.resolved_at, opened_column))
        .execution_options(yield_per=CHUNK)
    )
    for (counted,) in db.session.execute(query):
        entry = SupportEntry.from_json(counted)
        for span, day in spans_of(entry.closed):
            if current[span] != day:
                _write_histograms(spans[span], written)
                current[span] = day
        for key, bucket in entry.buckets():
            spans[key[3]][key][bucket] += 1
    for histograms in spans.values():
        _write_histograms(histograms, written)


def _write_histograms(histograms: Histograms, written: set[HistogramKey]) -> None:
    """Insert the histograms not written yet, merge the others; empties ``histograms``."""
    again = {key: counts for key, counts in histograms.items() if key in written}
    rows = [
        _histogram_row(key, DenseHistogram.of(counts))
        for key, counts in histograms.items()
        if key not in written
    ]
    if rows:
        db.session.execute(sa.insert(SupportHistogram.__table__), rows)
    merge_histograms(again)
    written.update(histograms)
    histograms.clear()


def _tallies(entries: Iterable[SupportEntry]) -> dict[RollupKey, Counter[str]]:
    tallies: dict[RollupKey, Counter[str]] = defaultdict(Counter)
    for entry in entries:
        for key, sums in entry.sparse_tallies():
            tallies[key].update(sums)
    return tallies


def _counted_histograms(only: tuple[SupportDimension, str]) -> Histograms:
    """The histograms of one (dimension, segment), from every interaction's entry as counted."""
    histograms: Histograms = defaultdict(Counter)
    query = (
        sa.select(Interaction.counted)
        .where(Interaction.counted.is_not(None))
        .execution_options(yield_per=CHUNK)
    )
    for (counted,) in db.session.execute(query):
        for key, bucket in SupportEntry.from_json(counted).buckets(only):
            histograms[key][bucket] += 1
    return histograms


def support_rollup_differences() -> list[str]:
    """Describe every interaction whose entry as counted is not what it is now, and every
    support rollup or histogram row that is not the sum of the entries as counted; empty
    when all agree. Interactions the worker has yet to settle count as last counted."""
    differences = []
    counted_entries = []
    for chunk in computed_entries(as_counted=True):
        for item in chunk:
            counted = None if item.counted is None else SupportEntry.from_json(item.counted)
            if not item.unsettled and counted != item.entry:
                differences.append(
                    f"interaction {item.id}: counted as {counted}, is now {item.entry}"
                )
            if counted is not None:
                counted_entries.append(counted)
    tallies = {
        key: SupportTally(**{c: sums.get(c, 0) for c in TALLY_COLUMNS})  # type: ignore[arg-type]
        for key, sums in _tallies(counted_entries).items()
    }
    differences += _tally_differences(tallies)
    for only in dimensions():
        differences += _histogram_differences(only, _counted_histograms(only))
    return differences


def _tally_differences(computed: dict[RollupKey, SupportTally]) -> list[str]:
    stored: dict[RollupKey, SupportTally] = {}
    for row in db.session.execute(sa.select(SupportRollup.__table__)):
        tally = SupportTally(*(row._mapping[c] for c in TALLY_COLUMNS))
        if tally != SupportTally():
            stored[(row.dimension, row.segment, row.span, row.day, row.value)] = tally
    computed = {key: tally for key, tally in computed.items() if tally != SupportTally()}
    return [
        f"support {key[0]} {key[1] or '-'} {key[2]} {key[3]} {key[4] or '-'}: "
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


def _histogram_differences(only: tuple[SupportDimension, str], computed: Histograms) -> list[str]:
    table = SupportHistogram.__table__
    stored: dict[HistogramKey, dict[int, int]] = {}
    query = sa.select(*_HISTOGRAM_KEY, table.c.buckets).where(
        table.c.dimension == only[0], table.c.segment == only[1]
    )
    for row in db.session.execute(query):
        counts = row[6].as_dict()
        if counts:
            stored[tuple(row[:6])] = counts  # type: ignore[index]
    wanted = {key: {b: n for b, n in c.items() if n} for key, c in computed.items()}
    wanted = {key: counts for key, counts in wanted.items() if counts}
    return [
        f"histogram {' '.join(str(part) for part in key)}: "
        f"stored {stored.get(key)}, interactions give {wanted.get(key)}"
        for key in sorted(stored.keys() | wanted.keys())
        if stored.get(key) != wanted.get(key)
    ]
