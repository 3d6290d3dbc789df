"""Sending the KPI reviews: which period is due, who gets it with which figures, the email.

Each recipient gets each period's review once however many workers run: the job claims the
users due it (``services.claims``) and records a ``ReviewDelivery`` per kind, period and
user in the same transaction as the email's outbox row; the unique key backs that up.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Interaction, Response, Role, Team, User
from feedback_app.reviews.charts import Panel, trend_png
from feedback_app.reviews.models import ReviewDelivery, ReviewKind
from feedback_app.scorecards.service import scope_figures
from feedback_app.services.claims import claim
from feedback_app.services.emails import compose
from feedback_app.services.metrics import (
    Interval,
    Period,
    ResponseFilter,
    SupportFigure,
    drill_down_query,
    support_set,
)
from feedback_app.services.outbox import queue_email
from feedback_app.services.support.figures import volume_by_channel
from feedback_app.targets.service import TargetView, target_view, targets_for
from notifications import InlineImage
from surveys.bucketing import Bucket
from surveys.cases import ACTIVE
from surveys.figures import format_change, format_margin, format_value
from surveys.kinds import SurveyKind
from surveys.metrics import Estimate
from surveys.schedule import review_month, review_week
from surveys.scope import Scope, ScopeBy
from surveys.targets import Direction

BATCH_SIZE = 50
#: Detractors' comments listed in one section of a monthly review; the rest are counted.
LISTED_COMMENTS = 10


@dataclass(frozen=True)
class ReviewSpec:
    """What a kind of review shows: its figures (name, label, unit), and over how many
    periods its chart and trend table go back."""

    kind: ReviewKind
    title: str
    figures: tuple[tuple[str, str, str], ...]
    #: The survey kinds whose scores it reads; support figures too when ``support``.
    kinds: tuple[SurveyKind, ...]
    support: bool
    interval: Interval
    trend_periods: int
    #: The figures drawn in the chart (a panel each).
    charted: tuple[str, ...]


SPECS = {
    ReviewKind.WEEKLY: ReviewSpec(
        ReviewKind.WEEKLY,
        "Weekly operational review",
        (
            ("fcr", "First contact resolution", "percent"),
            ("handle_time", "Average handle time", "duration"),
            ("resolution_median", "Time to resolution (median)", "duration"),
            ("resolution_mean", "Time to resolution (mean)", "duration"),
            ("volume", "Volume (contacts opened)", "count"),
        ),
        (),
        True,
        Interval.WEEK,
        8,
        ("fcr", "handle_time"),
    ),
    ReviewKind.MONTHLY: ReviewSpec(
        ReviewKind.MONTHLY,
        "Monthly satisfaction review",
        (
            ("csat", "CSAT", "percent"),
            ("nps", "NPS", "points"),
            ("ces", "CES (mean, 1-7)", "mean"),
        ),
        (SurveyKind.CSAT, SurveyKind.NPS, SurveyKind.CES),
        False,
        Interval.MONTH,
        6,
        ("csat", "nps", "ces"),
    ),
}


def due_period(kind: ReviewKind, now: datetime) -> Period:
    """The latest week or month whose review is due at ``now`` (``REVIEW_*`` settings)."""
    config = current_app.config
    hour = int(config["REVIEW_HOUR"])
    if kind is ReviewKind.WEEKLY:
        monday = review_week(now, int(config["REVIEW_WEEKDAY"]), hour)
        return Period(monday, monday + timedelta(days=6))
    first = review_month(now, int(config["REVIEW_MONTH_DAY"]), hour)
    return Period(first, _next_month(first) - timedelta(days=1))


def _next_month(first: date) -> date:
    return (first + timedelta(days=31)).replace(day=1)


def _trend_period(spec: ReviewSpec, period: Period) -> Period:
    """The reviewed period and the ``trend_periods - 1`` weeks or months before it."""
    since = period.since
    for _ in range(spec.trend_periods - 1):
        since = since - timedelta(days=7) if spec.interval is Interval.WEEK else (
            (since - timedelta(days=1)).replace(day=1)
        )  # fmt: skip
    return Period(since, period.until)


@dataclass(frozen=True)
class FigureRow:
    """One figure of a section: this period's, the one before, and where this period's
    stands against its target (None: no target is set for it)."""

    name: str
    label: str
    unit: str
    current: Estimate
    previous: Estimate
    target: TargetView | None = None


def figure_text(estimate: Estimate, unit: str) -> str:
    """A figure as the review writes it: "66.7% (n = 3, ± 36.5 pts, low sample)"."""
    value = format_value(estimate.value, unit)
    if estimate.value is None or unit == "count":
        return value
    notes = [f"n = {estimate.n}", format_margin(estimate, unit)]
    if estimate.low_sample:
        notes.append("low sample")
    return f"{value} ({', '.join(note for note in notes if note)})"


def change_text(row: FigureRow) -> str:
    return format_change(row.current, row.previous, row.unit)


def target_text(row: FigureRow) -> str:
    """The target and the state of this period's figure against it: "at least 85.0% by
    2026-06-30: met"; empty without a target."""
    if row.target is None:
        return ""
    view = row.target
    bound = "at least" if view.kpi.better is Direction.HIGHER else "at most"
    goal = format_value(view.target.value, row.unit)
    state = view.state.value if view.state is not None else "no data"
    return f"{bound} {goal} by {view.target.deadline}: {state}"


@dataclass(frozen=True)
class Section:
    """The figures of everyone (``team`` None) or of one team, in one review."""

    title: str
    team: Team | None
    rows: list[FigureRow]
    #: The rows drawn in the chart, a panel each.
    charted: list[FigureRow]
    #: (period label, figures by name) of the chart and its table, oldest first.
    trend: list[tuple[str, dict[str, Estimate]]]
    png: bytes
    alt: str
    #: Weekly: contacts opened per channel, and follow-up cases active and past deadline now.
    volume: dict[str, int]
    overdue: int
    #: Monthly: the month's NPS detractors' comments (the first ``LISTED_COMMENTS``), and
    #: how many there are.
    comments: Sequence[Response]
    comment_count: int


def _section(spec: ReviewSpec, period: Period, team: Team | None, now: datetime) -> Section:
    scope = Scope(ScopeBy.TEAM, team.id) if team is not None else None
    trend = scope_figures(
        scope, _trend_period(spec, period), spec.kinds, support=spec.support, interval=spec.interval
    ).series
    # The trend's last two parts are the reviewed period and the one before.
    current, previous = trend[-1][1], trend[-2][1]
    targets = targets_for(team.id if team is not None else None)
    rows = [
        FigureRow(
            name,
            label,
            unit,
            current[name],
            previous[name],
            target_view(targets[name], current[name], period.until) if name in targets else None,
        )
        for name, label, unit in spec.figures
    ]
    charted = [row for row in rows if row.name in spec.charted]
    title = team.name if team is not None else "All teams"
    png = trend_png(
        [
            Panel(row.label, row.unit, [(label, f[row.name]) for label, f in trend])
            for row in charted
        ]
    )
    alt = (
        f"Chart of {', '.join(row.label for row in charted)} for {title}, by"
        f" {spec.interval.value}, {trend[0][0]} to {trend[-1][0]}, with 95% intervals;"
        " the numbers are in the table below it."
    )
    weekly = spec.kind is ReviewKind.WEEKLY
    comments, count = _detractor_comments(period, team) if not weekly else ([], 0)
    return Section(
        title=title,
        team=team,
        rows=rows,
        charted=charted,
        trend=trend,
        png=png,
        alt=alt,
        volume=_volume_by_channel(period, team) if weekly else {},
        overdue=_overdue(team, now) if weekly else 0,
        comments=comments,
        comment_count=count,
    )


def _volume_by_channel(period: Period, team: Team | None) -> dict[str, int]:
    """Contacts opened per channel, largest first: the rollups for everyone; a team's from
    its interactions of the period (no rollup crosses team and channel)."""
    if team is None:
        return volume_by_channel(period.since, period.until)
    rows = db.session.execute(
        sa.select(Interaction.channel, sa.func.count())
        .where(*support_set(SupportFigure.VOLUME, period), Interaction.team_id == team.id)
        .group_by(Interaction.channel)
    )
    return dict(sorted(((str(c), n) for c, n in rows), key=lambda item: (-item[1], item[0])))


def _overdue(team: Team | None, now: datetime) -> int:
    query = sa.select(sa.func.count()).where(
        FollowUpCase.status.in_(ACTIVE), FollowUpCase.due_at <= now
    )
    if team is not None:
        query = query.where(FollowUpCase.team_id == team.id)
    return db.session.scalar(query) or 0


def _detractor_comments(period: Period, team: Team | None) -> tuple[list[Response], int]:
    where = ResponseFilter(
        period,
        kind=SurveyKind.NPS,
        bucket=Bucket.DETRACTOR,
        team=str(team.id) if team is not None else None,
    )
    query = drill_down_query(where).where(Response.comment != "")
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    return list(db.session.scalars(query.limit(LISTED_COMMENTS)).unique()), count or 0


def send_weekly_reviews(now: datetime) -> int:
    """Queue the latest due week's operational review to each recipient who has not had it;
    commits. Returns how many were queued."""
    return send_reviews(ReviewKind.WEEKLY, now)


def send_monthly_reviews(now: datetime) -> int:
    """Queue the latest due month's satisfaction review to each recipient who has not had
    it; commits. Returns how many were queued."""
    return send_reviews(ReviewKind.MONTHLY, now)


def send_reviews(kind: ReviewKind, now: datetime) -> int:
    """Queue ``kind``'s review of its latest due period to every active admin (all teams)
    and every active manager of a team (their teams) who has not had it; commits.

    Claims the recipients and records one ``ReviewDelivery`` each, so each gets it once
    however many workers run.
    """
    if not current_app.config["REVIEWS_ENABLED"]:
        return 0
    spec = SPECS[kind]
    period = due_period(kind, now)
    had_it = sa.select(ReviewDelivery.user_id).where(
        ReviewDelivery.kind == kind, ReviewDelivery.period_start == period.since
    )
    managers = sa.select(Team.manager_id).where(Team.manager_id.is_not(None))
    due = (
        sa.select(User)
        .where(
            User.active.is_(True),
            sa.or_(User.role == Role.ADMIN, User.id.in_(managers)),
            User.id.not_in(had_it),
        )
        .order_by(User.id)
    )
    recipients = claim(due, limit=BATCH_SIZE)
    # Read again after the lock: a worker that held these rows may have committed since the
    # claim's snapshot was taken (PostgreSQL's READ COMMITTED re-reads per statement).
    done = set(
        db.session.scalars(had_it.where(ReviewDelivery.user_id.in_(r.id for r in recipients)))
    )
    recipients = [r for r in recipients if r.id not in done]
    if recipients:
        teams = list(db.session.scalars(sa.select(Team).order_by(Team.name)))
        sections: dict[int | None, Section] = {}

        def section(team: Team | None) -> Section:
            key = team.id if team is not None else None
            if key not in sections:
                sections[key] = _section(spec, period, team, now)
            return sections[key]

        for user in recipients:
            scope: list[Team | None] = (
                [None, *teams]
                if user.role is Role.ADMIN
                else [team for team in teams if team.manager_id == user.id]
            )
            db.session.add(
                ReviewDelivery(
                    kind=kind, period_start=period.since, user_id=user.id, created_at=now
                )
            )
            _queue(spec, period, user, [section(team) for team in scope], now)
    db.session.commit()
    return len(recipients)


def _queue(
    spec: ReviewSpec, period: Period, user: User, sections: list[Section], now: datetime
) -> None:
    """The review email to ``user``: one chart image per section, shown inline by cid."""
    weekly = spec.kind is ReviewKind.WEEKLY
    tag = secrets.token_hex(8)
    cids = [f"chart-{index}-{tag}@feedback" for index in range(len(sections))]
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    message = compose(
        "kpi_review",
        to_email=user.email,
        to_name=user.name,
        context={
            "title": spec.title,
            "weekly": weekly,
            "period_label": (
                f"week of {period.since} to {period.until}" if weekly else f"{period.since:%Y-%m}"
            ),
            "comparison": "the week before" if weekly else "the month before",
            "sections": list(zip(sections, cids, strict=True)),
            "figure": figure_text,
            "change": change_text,
            "target": target_text,
            "targeted": any(row.target for section in sections for row in section.rows),
            "dashboard_url": f"{base}/dashboard?since={period.since}&until={period.until}",
            "followups_url": f"{base}/followups/",
        },
    )
    images = tuple(
        InlineImage(cid, section.png, "png", f"chart-{index + 1}.png")
        for index, (section, cid) in enumerate(zip(sections, cids, strict=True))
    )
    queue_email(replace(message, images=images), now, purpose="review")
