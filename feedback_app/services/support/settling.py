"""Settling interactions: moving the support rollups for new and changed interactions, in
batches, by the worker (and by ``import-interactions`` after each batch).

A post only marks its interaction unsettled: upkeep in the request would make every post of
a day queue on that day's rollup rows. The job then, for a batch in one transaction,
recomputes the entry of each interaction and of the same customers' earlier interactions
that it may turn into repeat contacts (``FCR_REPEAT_DAYS``), and moves what changed: a
later contact that undoes an earlier first-contact resolution moves the earlier day's
counts when it arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Interaction
from feedback_app.services.claims import claim
from feedback_app.services.support import segments
from feedback_app.services.support.entries import Facts, SupportEntry, entry_of, verdicts
from feedback_app.services.support.rollups import (
    FACT_COLUMNS,
    apply_entries,
    facts_of,
    opened_column,
    repeat_window,
    set_counted,
)
from surveys.metrics import Contact

#: Interactions settled per run of the job (every second), in one transaction.
BATCH_SIZE = 500

_UNSETTLED = sa.select(Interaction).where(Interaction.unsettled).order_by(Interaction.id)


def settle_interactions(limit: int = BATCH_SIZE) -> int:
    """Count up to ``limit`` unsettled interactions in the support rollups; commits.

    Returns how many were settled.
    """
    batch = claim(_UNSETTLED, limit=limit, of=Interaction)
    if not batch:
        db.session.commit()  # ends the claim (SQLite's write lock) at once
        return 0
    settle(batch)
    db.session.commit()
    return len(batch)


def settle(batch: Sequence[Interaction]) -> None:
    """Move the rollups for ``batch`` and the interactions its changes affect; flushes, does
    not commit."""
    db.session.flush()
    window = repeat_window()
    ids = {item.id for item in batch}
    stored = {item.id: item.counted for item in batch}
    # Where each batch interaction opens now, and where it opened when last counted.
    times: dict[int, list[datetime]] = {}
    for item in batch:
        for customer, at in _openings(item):
            times.setdefault(customer, []).append(at)
    others = _affected(times, window, ids)
    stored |= {row.id: counted for row, counted in others}
    facts = [facts_of(row) for row in _facts(ids)] + [row for row, _ in others]
    contacts = _contacts(facts, window)
    judged = verdicts(facts, contacts, window)
    properties = segments.properties_of({f.customer_id for f in facts if f.customer_id})
    added, removed, changed = [], [], []
    for item in facts:
        entry = entry_of(
            item, judged[item.id], segments.values_of(properties.get(item.customer_id))
        )
        before = stored[item.id]
        old = None if before is None else SupportEntry.from_json(before)
        if old != entry or item.id in ids:
            changed.append((item.id, entry))
        if old == entry:
            continue
        added.append(entry)
        if old is not None:
            removed.append(old)
    set_counted(changed)
    # Last, right before the commit: every interaction of a day adds to the same rows.
    apply_entries(added, removed)


def _openings(item: Interaction) -> list[tuple[int, datetime]]:
    found = []
    if item.customer_id is not None:
        found.append((item.customer_id, item.opened_at or item.created_at))
    if item.counted and item.counted["customer"] is not None:
        old = SupportEntry.from_json(item.counted)
        found.append((old.customer, old.opened_at))  # type: ignore[arg-type]
    return found


def _facts(ids: set[int]) -> list[sa.Row[tuple[object, ...]]]:
    return list(db.session.execute(sa.select(*FACT_COLUMNS).where(Interaction.id.in_(ids))))


def _affected(
    times: dict[int, list[datetime]], window: timedelta, ids: set[int]
) -> list[tuple[Facts, dict[str, object] | None]]:
    """The customers' settled interactions that a batch interaction opening (or no longer
    opening) at those times may make or unmake a repeat contact of: opened before it and
    resolved up to the window before it."""
    if not times:
        return []
    earliest = min(min(at) for at in times.values())
    latest = max(max(at) for at in times.values())
    rows = db.session.execute(
        sa.select(*FACT_COLUMNS, Interaction.counted).where(
            Interaction.customer_id.in_(times),
            Interaction.id.not_in(ids),
            # Unsettled ones are judged afresh when their own turn comes.
            Interaction.unsettled.is_(False),
            Interaction.resolved_at >= earliest - window,
            opened_column < latest,
        )
    )
    return [(facts_of(row[:-1]), row[-1]) for row in rows]


def _contacts(facts: list[Facts], window: timedelta) -> list[Contact]:
    """Every contact of the customers of ``facts`` that could be a repeat of one of them."""
    judged = [f for f in facts if f.customer_id is not None]
    if not judged:
        return []
    earliest = min(f.opened_at for f in judged)
    latest = max((f.resolved_at or f.opened_at) for f in judged)
    rows = db.session.execute(
        sa.select(*FACT_COLUMNS).where(
            Interaction.customer_id.in_({f.customer_id for f in judged}),
            opened_column > earliest,
            opened_column <= latest + window,
        )
    )
    return [facts_of(row).contact for row in rows]


def backlog() -> tuple[int, datetime | None]:
    """How many interactions wait to be settled, and when the oldest of them was written."""
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(Interaction.updated_at)).where(Interaction.unsettled)
    ).one()
    return count, oldest
