"""Importing response history in batches: idempotent by ``source_id``, rollups kept true."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Response, Survey, Team
from feedback_app.services.announcing import announced_as_history
from feedback_app.services.rollups import Entry, apply_entries
from feedback_app.services.support import segments
from surveys.answers import ResponseSource
from surveys.bucketing import classify
from surveys.imports import ImportRow

T = TypeVar("T")


@dataclass
class ImportSummary:
    imported: int = 0
    #: Line numbers of rows skipped because their ``source_id`` is already stored.
    duplicates: list[int] = field(default_factory=list)


def import_batches(
    survey: Survey,
    rows: Iterable[ImportRow],
    now: datetime,
    *,
    batch_size: int = 5000,
    on_batch: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Store checked rows as responses to ``survey``; commits after each batch.

    A row whose ``source_id`` the survey already has (from an earlier run or an earlier
    line) is skipped as a duplicate. Customers, agents and teams named by the rows are found
    or created. Each batch also updates the score rollups, in the same transaction.
    """
    summary = ImportSummary()
    agents: dict[str, int] = {}
    teams: dict[str, int] = {}
    for batch in batches(rows, batch_size):
        fresh = _drop_duplicates(survey, batch, summary)
        customers = customer_ids({r.email for r in fresh if r.email}, now)
        records = []
        for row in fresh:
            team_id = _team_id(row.team, teams)
            records.append(
                {
                    "survey_id": survey.id,
                    "kind": survey.kind,
                    "score": row.score,
                    # History: counted in the rollups below, with no cases or webhooks.
                    "counted_score": row.score,
                    "bucket": classify(survey.kind, row.score, survey.thresholds),
                    "comment": row.comment,
                    "channel": row.channel,
                    "customer_id": customers.get(row.email) if row.email else None,
                    "agent_id": _agent_id(row.agent, team_id, agents),
                    "team_id": team_id,
                    "source": ResponseSource.IMPORT.value,
                    "source_id": row.source_id,
                    "created_at": row.submitted_at,
                    "updated_at": row.submitted_at,
                }
            )
        if records:
            insert_counted(records)
        db.session.commit()
        summary.imported += len(records)
        if on_batch is not None:
            on_batch(summary)
    return summary


def insert_counted(records: list[dict[str, Any]]) -> None:
    """Insert response rows of history, announced as they are (no webhooks), and count them in
    the score rollups; their customers' segments from the customers' properties now."""
    db.session.execute(
        sa.insert(Response.__table__),
        [r | announced_as_history(r["score"], r["comment"], r["updated_at"]) for r in records],
    )
    properties = segments.properties_of({r["customer_id"] for r in records} - {None})
    apply_entries(
        Entry.of(
            r["survey_id"],
            r["created_at"],
            r["channel"],
            r["team_id"],
            r["agent_id"],
            r["score"],
            segments.values_of(properties.get(r["customer_id"])),
        )
        for r in records
    )


def batches(rows: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    iterator = iter(rows)
    while batch := tuple(islice(iterator, size)):
        yield batch


def _drop_duplicates(
    survey: Survey, batch: tuple[ImportRow, ...], summary: ImportSummary
) -> list[ImportRow]:
    ids = {row.source_id for row in batch if row.source_id}
    stored = set(
        db.session.scalars(
            sa.select(Response.source_id).where(
                Response.survey_id == survey.id, Response.source_id.in_(ids)
            )
        )
    )
    fresh = []
    for row in batch:
        if row.source_id and row.source_id in stored:
            summary.duplicates.append(row.line)
            continue
        if row.source_id:
            stored.add(row.source_id)
        fresh.append(row)
    return fresh


def customer_ids(
    emails: set[str], now: datetime, names: dict[str, str] | None = None
) -> dict[str, int]:
    """Ids of the customers with ``emails``, creating the missing ones in one insert (named
    from ``names``)."""
    if not emails:
        return {}

    def ids(among: set[str]) -> dict[str, int]:
        query = sa.select(Customer.email, Customer.id).where(Customer.email.in_(among))
        return {email: id_ for email, id_ in db.session.execute(query)}

    found = ids(emails)
    missing = emails - found.keys()
    if missing:
        db.session.execute(
            sa.insert(Customer),
            [
                {
                    "email": email,
                    "name": (names or {}).get(email, ""),
                    "properties": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for email in sorted(missing)
            ],
        )
        found |= ids(missing)
    return found


def _team_id(name: str | None, cache: dict[str, int]) -> int | None:
    if name is None:
        return None
    if name not in cache:
        team = db.session.scalar(sa.select(Team).where(Team.name == name))
        if team is None:
            team = Team(name=name)
            db.session.add(team)
            db.session.flush()
        cache[name] = team.id
    return cache[name]


def _agent_id(email: str | None, team_id: int | None, cache: dict[str, int]) -> int | None:
    if email is None:
        return None
    if email not in cache:
        agent = db.session.scalar(sa.select(Agent).where(Agent.email == email))
        if agent is None:
            agent = Agent(email=email, name="", team_id=team_id)
            db.session.add(agent)
            db.session.flush()
        cache[email] = agent.id
    return cache[email]
