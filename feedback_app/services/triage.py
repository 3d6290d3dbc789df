"""Finding follow-up cases: the filters shared by the triage page and the API."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Response, ResponseAnswer
from feedback_app.services.response_queries import comment_has_words
from surveys.bucketing import Bucket
from surveys.cases import ACTIVE, CaseStatus, is_overdue

#: ``owner`` value that selects cases nobody owns.
UNASSIGNED = 0


@dataclass(frozen=True)
class CaseFilters:
    """Empty fields do not filter."""

    statuses: frozenset[CaseStatus] = field(default_factory=frozenset)
    buckets: frozenset[Bucket] = field(default_factory=frozenset)
    #: A user id, or ``UNASSIGNED``.
    owner_id: int | None = None
    survey_id: int | None = None
    team_id: int | None = None
    agent_id: int | None = None
    overdue: bool | None = None
    #: Opened at or after this instant.
    opened_since: datetime | None = None
    #: Opened before this instant.
    opened_until: datetime | None = None
    #: Words looked for in the response's comment, case-insensitively.
    search: str = ""
    #: A choice of an additional question (a reason) the response picked.
    choice_id: int | None = None


def case_query(filters: CaseFilters, now: datetime) -> sa.Select[tuple[FollowUpCase]]:
    """Cases matching ``filters``, soonest deadline first (overdue ones lead)."""
    return _filtered(sa.select(FollowUpCase), filters, now).order_by(
        FollowUpCase.due_at, FollowUpCase.id
    )


def status_counts(filters: CaseFilters, now: datetime) -> dict[CaseStatus, int]:
    """How many cases match ``filters`` in each state, whatever ``filters.statuses`` says."""
    unfiltered = dataclasses.replace(filters, statuses=frozenset())
    query = _filtered(
        sa.select(FollowUpCase.status, sa.func.count()).select_from(FollowUpCase), unfiltered, now
    ).group_by(FollowUpCase.status)
    counts = dict.fromkeys(CaseStatus, 0)
    counts.update({status: count for status, count in db.session.execute(query)})
    return counts


def _filtered(query: sa.Select, filters: CaseFilters, now: datetime) -> sa.Select:  # type: ignore[type-arg]
    case = FollowUpCase
    if filters.statuses:
        query = query.where(case.status.in_(filters.statuses))
    if filters.buckets:
        query = query.where(case.bucket.in_(filters.buckets))
    if filters.owner_id == UNASSIGNED:
        query = query.where(case.owner_id.is_(None))
    elif filters.owner_id is not None:
        query = query.where(case.owner_id == filters.owner_id)
    for column, value in (
        (case.survey_id, filters.survey_id),
        (case.team_id, filters.team_id),
        (case.agent_id, filters.agent_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.opened_since is not None:
        query = query.where(case.opened_at >= filters.opened_since)
    if filters.opened_until is not None:
        query = query.where(case.opened_at < filters.opened_until)
    overdue = sa.and_(case.status.in_(ACTIVE), case.due_at <= now)
    if filters.overdue is True:
        query = query.where(overdue)
    elif filters.overdue is False:
        query = query.where(~overdue)
    if filters.choice_id is not None:
        query = query.where(
            sa.exists().where(
                ResponseAnswer.response_id == case.response_id,
                ResponseAnswer.choice_id == filters.choice_id,
            )
        )
    words = comment_has_words(filters.search)
    if words:
        query = query.join(Response, Response.id == case.response_id).where(*words)
    return query


def case_json(case: FollowUpCase, now: datetime) -> dict[str, Any]:
    """A case as the API and webhooks show it."""
    interaction = case.interaction
    return {
        "id": case.id,
        "status": case.status.value,
        "priority": case.priority.value,
        "outcome": case.outcome.value if case.outcome else None,
        "kind": case.kind.value,
        "score": case.score,
        "opening_score": case.opening_score,
        "bucket": case.bucket.value,
        "score_raised_at": _iso(case.score_raised_at),
        "comment": case.response.comment,
        "response_id": case.response_id,
        "survey_id": case.survey_id,
        "customer": (
            {"email": case.customer.email, "name": case.customer.name} if case.customer else None
        ),
        "interaction": (
            {"external_id": interaction.external_id, "channel": interaction.channel}
            if interaction
            else None
        ),
        "team": case.team.name if case.team else None,
        "agent": case.agent.email if case.agent else None,
        "owner": (
            {"id": case.owner.id, "email": case.owner.email, "name": case.owner.name}
            if case.owner
            else None
        ),
        "opened_at": _iso(case.opened_at),
        "due_at": _iso(case.due_at),
        "overdue": is_overdue(case.status, case.due_at, now),
        "first_contact_at": _iso(case.first_contact_at),
        "closed_at": _iso(case.closed_at),
        "within_deadline": case.within_deadline,
        "updated_at": _iso(case.updated_at),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
