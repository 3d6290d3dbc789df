"""The weekly digest: each manager gets last week's follow-up figures and their overdue cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import DigestDelivery, FollowUpCase, Role, User
from feedback_app.services import followup_notices as notices
from feedback_app.services.claims import claim
from surveys.cases import ACTIVE
from surveys.schedule import digest_week

BATCH_SIZE = 50
#: Overdue cases listed by name in one manager's digest; the rest are counted.
LISTED_OVERDUE = 10


@dataclass(frozen=True)
class WeekFigures:
    """Follow-up across all teams in one week."""

    start: datetime
    end: datetime
    opened: int
    closed: int
    closed_within_deadline: int


@dataclass(frozen=True)
class Digest:
    week: WeekFigures
    #: The manager's cases still active now, and those of them past their deadline.
    open_cases: int
    overdue: Sequence[FollowUpCase]
    overdue_count: int


def send_weekly_digests(now: datetime) -> int:
    """Queue the latest due week's digest to every active manager who has not had it.

    Claims the managers and records one ``DigestDelivery`` per manager and week, so each
    gets it once however many workers run; commits.
    """
    start, end = digest_week(now)
    had_it = sa.select(DigestDelivery.user_id).where(DigestDelivery.week_start == start)
    due = (
        sa.select(User)
        .where(User.role == Role.MANAGER, User.active.is_(True), User.id.not_in(had_it))
        .order_by(User.id)
    )
    managers = claim(due, limit=BATCH_SIZE)
    # Read again after the lock: a worker that held these rows may have committed since the
    # claim's snapshot was taken (PostgreSQL's READ COMMITTED re-reads per statement).
    done = set(
        db.session.scalars(had_it.where(DigestDelivery.user_id.in_([m.id for m in managers])))
    )
    managers = [m for m in managers if m.id not in done]
    if managers:
        week = _week_figures(start, end)
        for manager in managers:
            db.session.add(DigestDelivery(user_id=manager.id, week_start=start, created_at=now))
            notices.weekly_digest(manager, _digest(manager, week, now), now)
    db.session.commit()
    return len(managers)


def _week_figures(start: datetime, end: datetime) -> WeekFigures:
    closed_in_week = sa.and_(FollowUpCase.closed_at >= start, FollowUpCase.closed_at < end)
    opened, closed, within = db.session.execute(
        sa.select(
            sa.func.count().filter(FollowUpCase.opened_at >= start, FollowUpCase.opened_at < end),
            sa.func.count().filter(closed_in_week),
            sa.func.count().filter(closed_in_week, FollowUpCase.within_deadline.is_(True)),
        )
    ).one()
    return WeekFigures(start, end, opened, closed, within)


def _digest(manager: User, week: WeekFigures, now: datetime) -> Digest:
    mine = sa.and_(FollowUpCase.owner_id == manager.id, FollowUpCase.status.in_(ACTIVE))
    overdue = sa.and_(mine, FollowUpCase.due_at <= now)
    return Digest(
        week=week,
        open_cases=db.session.scalar(sa.select(sa.func.count()).where(mine)) or 0,
        overdue=db.session.scalars(
            sa.select(FollowUpCase)
            .where(overdue)
            .order_by(FollowUpCase.due_at)
            .limit(LISTED_OVERDUE)
        ).all(),
        overdue_count=db.session.scalar(sa.select(sa.func.count()).where(overdue)) or 0,
    )
