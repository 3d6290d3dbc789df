"""Importing interaction history in batches: idempotent by ``external_id``, each batch
counted in the support rollups (and its ratings in the score rollups) as it is stored."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.ingest.people import AgentInput, upsert_agent, upsert_team
from feedback_app.models import Interaction, Survey
from feedback_app.services.imports import batches, customer_ids, insert_counted
from feedback_app.services.support.settling import settle
from surveys import channels
from surveys.answers import ResponseSource
from surveys.bucketing import classify
from surveys.interaction_imports import InteractionRow


@dataclass
class InteractionImportSummary:
    imported: int = 0
    #: Ratings stored as responses.
    ratings: int = 0
    #: Line numbers of rows skipped because their ``external_id`` is already stored.
    duplicates: list[int] = field(default_factory=list)


@dataclass
class _Lookups:
    """Agents and teams met so far, by what the file calls them."""

    agents: dict[tuple[str | None, str | None], int] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)

    def team(self, name: str | None) -> int | None:
        if name is None:
            return None
        if name not in self.teams:
            self.teams[name] = upsert_team(name).id
        return self.teams[name]

    def agent(self, row: InteractionRow, team_id: int | None) -> int | None:
        key = (row.agent_email, row.agent_name)
        if key == (None, None):
            return None
        if key not in self.agents:
            agent = upsert_agent(AgentInput(email=row.agent_email, name=row.agent_name))
            if agent.team_id is None:
                agent.team_id = team_id
            self.agents[key] = agent.id
        return self.agents[key]


def import_interaction_batches(
    rows: Iterable[InteractionRow],
    now: datetime,
    *,
    survey: Survey | None = None,
    batch_size: int = 2000,
    on_batch: Callable[[InteractionImportSummary], None] | None = None,
) -> InteractionImportSummary:
    """Store checked rows as interactions; commits after each batch.

    A row whose ``external_id`` is already stored (from an earlier run or an earlier line)
    is skipped as a duplicate. A row without a customer is an anonymous contact. A row's
    rating becomes its interaction's response to ``survey``, with the interaction's agent,
    team and channel, dated when the interaction was resolved (or opened); nobody is
    invited to anything.
    """
    summary = InteractionImportSummary()
    lookups = _Lookups()
    for batch in batches(rows, batch_size):
        fresh = _drop_duplicates(batch, summary)
        names = {r.customer_email: r.customer_name for r in fresh if r.customer_email}
        customers = customer_ids(
            set(names), now, {e: n for e, n in names.items() if n and e is not None}
        )
        records = []
        for row in fresh:
            team_id = lookups.team(row.team)
            records.append(
                {
                    "external_id": row.external_id,
                    "customer_id": customers.get(row.customer_email or ""),
                    "channel": row.channel or channels.OTHER,
                    "agent_id": lookups.agent(row, team_id),
                    "team_id": team_id,
                    "topic": row.topic,
                    "answered": row.answered,
                    "opened_at": row.opened_at,
                    "first_response_at": row.first_response_at,
                    "first_response_seconds": row.first_response_seconds,
                    "resolved_at": row.resolved_at,
                    "handle_seconds": row.handle_seconds,
                    "talk_seconds": row.talk_seconds,
                    "hold_seconds": row.hold_seconds,
                    "after_work_seconds": row.after_work_seconds,
                    "first_contact_resolved": row.first_contact_resolved,
                    "created_at": row.opened_at or now,
                    "updated_at": now,
                    "unsettled": True,
                }
            )
        if records:
            db.session.execute(sa.insert(Interaction.__table__), records)
            stored = db.session.scalars(
                sa.select(Interaction).where(
                    Interaction.external_id.in_([r["external_id"] for r in records])
                )
            ).all()
            settle(stored)
            if survey is not None:
                summary.ratings += _store_ratings(survey, fresh, stored)
        db.session.commit()
        summary.imported += len(records)
        if on_batch is not None:
            on_batch(summary)
    return summary


def _drop_duplicates(
    batch: tuple[InteractionRow, ...], summary: InteractionImportSummary
) -> list[InteractionRow]:
    ids = {row.external_id for row in batch}
    stored = set(
        db.session.scalars(
            sa.select(Interaction.external_id).where(Interaction.external_id.in_(ids))
        )
    )
    fresh = []
    for row in batch:
        if row.external_id in stored:
            summary.duplicates.append(row.line)
            continue
        stored.add(row.external_id)
        fresh.append(row)
    return fresh


def _store_ratings(
    survey: Survey, rows: list[InteractionRow], stored: Iterable[Interaction]
) -> int:
    by_id = {interaction.external_id: interaction for interaction in stored}
    records = []
    for row in rows:
        if row.rating is None:
            continue
        interaction = by_id[row.external_id]
        when = row.resolved_at or row.opened_at or interaction.created_at
        records.append(
            {
                "survey_id": survey.id,
                "kind": survey.kind,
                "score": row.rating,
                # History: counted in the rollups below, with no cases or webhooks.
                "counted_score": row.rating,
                "bucket": classify(survey.kind, row.rating, survey.thresholds),
                "comment": "",
                "channel": interaction.channel,
                "customer_id": interaction.customer_id,
                "interaction_id": interaction.id,
                "agent_id": interaction.agent_id,
                "team_id": interaction.team_id,
                "source": ResponseSource.IMPORT.value,
                "source_id": row.external_id,
                "created_at": when,
                "updated_at": when,
            }
        )
    if records:
        insert_counted(records)
    return len(records)
