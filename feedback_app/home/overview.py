"""What a signed-in user sees first: their cases, the week's answers against last week's,
the comments to read, and for admins what is left to set up.

Built from the queries the triage queue, the dashboard, the review page and ``/healthz``
already use, so the home page and those pages agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from feedback_app.comment_review.service import ReviewFilters, agent_ids_of, review_query
from feedback_app.extensions import db
from feedback_app.models import Connector, FollowUpCase, Response, Role, Survey, Team, User
from feedback_app.services.heartbeat import STALE_AFTER_SECONDS, last_beat
from feedback_app.services.metrics import GroupBy, Period, min_n, score_report
from feedback_app.services.triage import CaseFilters, case_query
from surveys.bucketing import CONTRAST
from surveys.cases import ACTIVE
from surveys.kinds import SurveyKind
from surveys.metrics import Estimate, no_data

#: The kinds whose figures the home page shows, and the figure of each.
HOME_FIGURES = ((SurveyKind.CSAT, "csat"), (SurveyKind.NPS, "nps"))
#: How many comments and cases each list shows; the pages they link to show the rest.
LATEST = 5
#: A survey with no answer for this long is reported to admins.
QUIET_DAYS = 14


@dataclass(frozen=True)
class CaseCount:
    """Open and overdue cases of one scope, with the queue's query string showing them."""

    label: str
    open: int
    overdue: int
    args: dict[str, str]


@dataclass(frozen=True)
class ScoreLine:
    """A figure today, this week so far, and over the same days of last week."""

    kind: SurveyKind
    name: str
    today: Estimate
    week: Estimate
    last_week: Estimate


@dataclass(frozen=True)
class SetupCheck:
    """One part of the set-up: fine or not, what it means, and the page that fixes it."""

    label: str
    ok: bool
    text: str
    fix: str
    endpoint: str
    args: dict[str, str]


@dataclass(frozen=True)
class Overview:
    today: Period
    week: Period
    last_week: Period
    answers_today: int
    answers_week: int
    scores: list[ScoreLine]
    #: Managers': their cases and their teams'; empty for agents.
    cases: list[CaseCount]
    #: Managers': the most pressing of those cases, soonest deadline first.
    urgent: list[FollowUpCase]
    #: Managers': the latest unhappy customers' comments; agents': their own latest comments.
    comments: list[Response]
    #: Admins' only.
    setup: list[SetupCheck]


def overview(user: User, now: datetime) -> Overview:
    """The home page of ``user`` as of ``now``; agents see only their own answers.

    :param user: the signed-in user; their role decides the sections.
    :param now: the injected clock's time; weeks start on Monday (UTC).
    """
    day = now.date()
    today = Period(day, day)
    week = Period(day - timedelta(days=day.weekday()), day)
    last_week = Period(week.since - timedelta(days=7), day - timedelta(days=7))
    manager = user.has_role(Role.MANAGER)
    agents = None if manager else [str(i) for i in db.session.scalars(agent_ids_of(user))]
    return Overview(
        today=today,
        week=week,
        last_week=last_week,
        answers_today=_answers(today, user, manager),
        answers_week=_answers(week, user, manager),
        scores=[
            ScoreLine(
                kind, name, *(_figure(kind, name, p, agents) for p in (today, week, last_week))
            )
            for kind, name in HOME_FIGURES
        ],
        cases=_case_counts(user, now) if manager else [],
        urgent=_urgent(user, now) if manager else [],
        comments=_unhappy_comments() if manager else _own_comments(user),
        setup=setup_checks(now) if user.has_role(Role.ADMIN) else [],
    )


def _answers(period: Period, user: User, manager: bool) -> int:
    query = sa.select(sa.func.count(Response.id)).where(
        Response.created_at >= period.start, Response.created_at < period.end
    )
    if not manager:
        query = query.where(Response.agent_id.in_(agent_ids_of(user)))
    return db.session.scalar(query) or 0


def _figure(kind: SurveyKind, name: str, period: Period, agents: list[str] | None) -> Estimate:
    """The dashboard's figure; for an agent, the line of their own answers in its breakdown."""
    if agents is None:
        return score_report(kind, period).figures[name]
    report = score_report(kind, period, group_by=GroupBy.AGENT)
    lines = [line for line in report.groups if line.key in agents]
    return lines[0].figures[name] if lines else no_data(min_n())


def _teams_of(user: User) -> list[Team]:
    return list(db.session.scalars(sa.select(Team).where(Team.manager_id == user.id)))


def _owner_scope(user: User) -> sa.ColumnElement[bool]:
    """The cases a manager answers for: their own and those of the teams they manage."""
    teams = [team.id for team in _teams_of(user)]
    return sa.or_(FollowUpCase.owner_id == user.id, FollowUpCase.team_id.in_(teams))


def _urgent(user: User, now: datetime) -> list[FollowUpCase]:
    query = case_query(CaseFilters(statuses=ACTIVE), now).where(_owner_scope(user))
    return list(db.session.scalars(query.limit(LATEST)))


def _case_counts(user: User, now: datetime) -> list[CaseCount]:
    scopes = [("Yours", {"owner_id": user.id}, {"owner": "me"})]
    scopes += [
        (f"Team {team.name}", {"team_id": team.id}, {"team": str(team.id)})
        for team in _teams_of(user)
    ]
    scopes.append(("Everyone's", {}, {}))
    counts = []
    for label, filters, args in scopes:
        open_, overdue = (
            _count(case_query(CaseFilters(statuses=ACTIVE, overdue=late, **filters), now))
            for late in (None, True)
        )
        counts.append(CaseCount(label, open_, overdue, args))
    return counts


def _count(query: sa.Select[tuple[FollowUpCase]]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def _unhappy_comments() -> list[Response]:
    """The latest comments of detractors and of unsatisfied (CSAT) or difficult (CES) answers."""
    unhappy = sa.or_(
        *(
            sa.and_(Response.kind == kind, Response.bucket == pair[0])
            for kind, pair in CONTRAST.items()
        )
    )
    return list(
        db.session.scalars(
            sa.select(Response)
            .options(joinedload(Response.customer), joinedload(Response.agent))
            .where(unhappy, Response.comment != "")
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(LATEST)
        )
    )


def _own_comments(user: User) -> list[Response]:
    return list(
        db.session.scalars(review_query(user, ReviewFilters(with_comment=True)).limit(LATEST))
    )


def setup_checks(now: datetime) -> list[SetupCheck]:
    """The mail backend, the worker's heartbeat, the connectors and the quiet surveys."""
    return [_mail_check(), _worker_check(now), *_connector_checks(), *_quiet_surveys(now)]


def _mail_check() -> SetupCheck:
    config = current_app.config
    if config["MAIL_BACKEND"] == "smtp":
        text = f"Emails are sent through {config['SMTP_HOST']}:{config['SMTP_PORT']}."
        return SetupCheck("Email", True, text, "See the outbox", "delivery.outbox_page", {})
    text = (
        "Emails are kept in the development mailbox and reach no customer. Set "
        "FEEDBACK_MAIL_BACKEND=smtp and the FEEDBACK_SMTP_* settings, then restart."
    )
    return SetupCheck("Email", False, text, "See the kept emails", "mailbox.index", {})


def _worker_check(now: datetime) -> SetupCheck:
    beat = last_beat()
    if beat is None:
        ok, text = False, "No worker has run yet: invitations, follow-ups and emails wait for one."
    else:
        age = int((now - beat).total_seconds())
        ok = age <= STALE_AFTER_SECONDS
        text = (
            f"The worker last reported {_ago(age)} ago."
            if ok
            else f"The worker last reported {_ago(age)} ago: invitations, follow-ups and "
            "emails wait until it runs again."
        )
    if not ok:
        text += ' Start one with "feedback worker" next to the web server.'
    return SetupCheck("Worker", ok, text, "Check /healthz", "health.healthz", {})


def _ago(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _connector_checks() -> list[SetupCheck]:
    connectors = list(db.session.scalars(sa.select(Connector).order_by(Connector.name)))
    if not connectors:
        text = "No helpdesk is connected: interactions arrive only through the API."
        return [SetupCheck("Helpdesk", False, text, "Connect a helpdesk", "connectors.index", {})]
    checks = []
    for connector in connectors:
        ok = connector.secret is not None
        text = (
            f"{connector.name} is connected."
            if ok
            else f"{connector.name} has no secret yet, so its deliveries are refused."
        )
        checks.append(
            SetupCheck(
                "Helpdesk",
                ok,
                text,
                f"Open {connector.name}",
                "connectors.connector",
                {"connector_id": connector.id},
            )
        )
    return checks


def _quiet_surveys(now: datetime) -> list[SetupCheck]:
    """Enabled surveys with no answer in ``QUIET_DAYS`` days: often a connector or a rule
    that stopped sending them."""
    recent = sa.select(Response.survey_id).where(
        Response.created_at >= now - timedelta(days=QUIET_DAYS)
    )
    quiet = db.session.scalars(
        sa.select(Survey)
        .where(Survey.enabled.is_(True), Survey.id.not_in(recent))
        .order_by(Survey.name)
    )
    return [
        SetupCheck(
            "Survey",
            False,
            f"{survey.name} has had no answer in {QUIET_DAYS} days.",
            f"Check {survey.name}",
            "surveys_admin.settings",
            {"survey_id": str(survey.id)},
        )
        for survey in quiet
    ]
