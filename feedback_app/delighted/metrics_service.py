"""The NPS figures Delighted's ``/metrics`` gave, from our KPI formulas.

Delighted's bounds are instants, not whole days, so the figures are tallied from the
responses' scores (one grouped count per survey and score) rather than from the daily
rollups; each survey's own thresholds file its scores, as the rollups would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Response, Survey
from feedback_app.services.support.entries import aware
from surveys.kinds import SurveyKind
from surveys.metrics import Tally, nps, tally

#: With no range asked, the 30 days up to the latest answer, as Delighted's default was.
DEFAULT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class NpsFigures:
    #: -100 to 100, and each share in percent, to the nearest whole (halves up); None when
    #: there are no answers.
    nps: int | None
    promoter_count: int
    promoter_percent: int | None
    passive_count: int
    passive_percent: int | None
    detractor_count: int
    detractor_percent: int | None
    response_count: int


def _whole(value: float | None) -> int | None:
    return None if value is None else math.floor(value + 0.5)


def nps_figures(
    since: datetime | None, until: datetime | None, survey_id: int | None = None
) -> NpsFigures:
    """NPS of the answers created from ``since`` to ``until`` (both included), of one survey
    (Delighted's trend) or all NPS surveys."""
    where = [Survey.kind == SurveyKind.NPS]
    if survey_id is not None:
        where.append(Survey.id == survey_id)
    if since is None and until is None:
        latest = db.session.scalar(
            sa.select(sa.func.max(Response.created_at)).join(Survey).where(*where)
        )
        until = aware(latest)
        since = None if until is None else until - DEFAULT_WINDOW
    if since is not None:
        where.append(Response.created_at >= since)
    if until is not None:
        where.append(Response.created_at <= until)
    surveys = {survey.id: survey for survey in db.session.scalars(sa.select(Survey))}
    total = Tally()
    rows = db.session.execute(
        sa.select(Response.survey_id, Response.score, sa.func.count())
        .join(Survey, Survey.id == Response.survey_id)
        .where(*where)
        .group_by(Response.survey_id, Response.score)
    )
    for survey_id_, score, count in rows:
        total += tally(SurveyKind.NPS, {score: count}, surveys[survey_id_].thresholds)

    def percent(count: int) -> int | None:
        return _whole(100 * count / total.n) if total.n else None

    return NpsFigures(
        nps=_whole(nps(total).value),
        promoter_count=total.top,
        promoter_percent=percent(total.top),
        passive_count=total.middle,
        passive_percent=percent(total.middle),
        detractor_count=total.bottom,
        detractor_percent=percent(total.bottom),
        response_count=total.n,
    )
