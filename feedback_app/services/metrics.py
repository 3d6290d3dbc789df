"""The numbers behind the dashboard, the metrics API and the KPI exports.

Score figures come from the score rollups (never a scan of the responses), except the
breakdown by a customer property, which no rollup can anticipate. Support and follow-up
figures come from the interactions and the cases. Every figure goes through
``surveys.metrics``, so the page, the API and the CSV show the same numbers.
"""

from __future__ import annotations

import bisect
import enum
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from feedback_app.extensions import db
from feedback_app.models import (
    Agent,
    Customer,
    FollowUpCase,
    Interaction,
    Invitation,
    Response,
    ScoreRollup,
    Survey,
    Team,
    ThemeMention,
    ThemeTag,
)
from feedback_app.models.metrics import SCORE_COLUMNS, RollupDimension
from feedback_app.services.response_queries import (
    ResponseFilters,
    comment_has_words,
    responses_query,
)
from feedback_app.services.support import segments
from feedback_app.services.support.entries import aware
from feedback_app.services.support.figures import (
    SupportGroupBy,
    SupportReport,
    support_report,
    volume_by_channel,
)
from feedback_app.services.support.rollups import repeat_window
from surveys import SurveyKind
from surveys.bucketing import Bucket
from surveys.cases import CaseStatus
from surveys.changes import change_difference
from surveys.metrics import (
    CaseFacts,
    Contact,
    Estimate,
    Tally,
    figures,
    followup_figures,
    opened_by_customer,
    repeat_contact,
    resolved_at_first_contact,
    response_rate,
    tally,
)
from surveys.retention import Difference
from surveys.scope import Scope

#: A breakdown or drill-down value meaning "none set" (no channel, team, agent or property).
NONE = "none"


class Interval(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class GroupBy(enum.StrEnum):
    CHANNEL = "channel"
    TEAM = "team"
    AGENT = "agent"
    SURVEY = "survey"
    PROPERTY = "property"


ROLLUP_DIMENSION = {
    GroupBy.CHANNEL: RollupDimension.CHANNEL,
    GroupBy.TEAM: RollupDimension.TEAM,
    GroupBy.AGENT: RollupDimension.AGENT,
    GroupBy.SURVEY: RollupDimension.ALL,
}


@dataclass(frozen=True)
class Period:
    """Whole UTC days from ``since`` to ``until``, both included."""

    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return Period(self.since - timedelta(days=self.days), self.since - timedelta(days=1))

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.until + timedelta(days=1), time(), UTC)

    def split(self, interval: Interval) -> list[Period]:
        """The day, week (Monday to Sunday) or month periods covering this one, clipped."""
        parts = []
        start = self.since
        while start <= self.until:
            if interval is Interval.DAY:
                stop = start
            elif interval is Interval.WEEK:
                stop = start + timedelta(days=6 - start.weekday())
            else:
                following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
                stop = following - timedelta(days=1)
            parts.append(Period(start, min(stop, self.until)))
            start = min(stop, self.until) + timedelta(days=1)
        return parts

    def label(self, interval: Interval) -> str:
        if interval is Interval.DAY:
            return self.since.isoformat()
        if interval is Interval.WEEK:
            year, week, _ = self.since.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.since:%Y-%m}"


def default_period(now: datetime, days: int = 30) -> Period:
    """The last ``days`` whole days up to and including today."""
    today = now.astimezone(UTC).date()
    return Period(today - timedelta(days=days - 1), today)


@dataclass(frozen=True)
class Line:
    """One line of a series or a breakdown, with what it takes to drill down to it."""

    key: str
    label: str
    figures: dict[str, Estimate]
    #: Query arguments selecting the responses behind this line.
    drill: dict[str, str]


@dataclass(frozen=True)
class ScoreReport:
    kind: SurveyKind
    period: Period
    figures: dict[str, Estimate]
    previous: dict[str, Estimate]
    interval: Interval | None = None
    group_by: GroupBy | None = None
    property_name: str | None = None
    series: list[Line] = field(default_factory=list)
    groups: list[Line] = field(default_factory=list)
    #: Query arguments shared by every drill-down from this report.
    drill: dict[str, str] = field(default_factory=dict)
    #: The breakdown was read from the responses (a property not declared as a segment).
    from_rows: bool = False


def min_n() -> int:
    """Below this n a figure is flagged as a low sample (``METRICS_MIN_N``)."""
    return current_app.config["METRICS_MIN_N"]


# --- Scores ---------------------------------------------------------------------------------


def _surveys(kind: SurveyKind, survey_id: int | None) -> dict[int, Survey]:
    query = sa.select(Survey).where(Survey.kind == kind)
    if survey_id is not None:
        query = query.where(Survey.id == survey_id)
    return {survey.id: survey for survey in db.session.scalars(query)}


def _tallies(
    kind: SurveyKind,
    surveys: dict[int, Survey],
    period: Period,
    dimension: RollupDimension,
    by: Any,
    segment: str = "",
    value: str | None = None,
) -> dict[Any, Tally]:
    """Sum the rollups of ``dimension`` (of ``segment``; only ``value``'s rows when given) in
    ``period`` per value of ``by``."""
    if not surveys:
        return {}
    sums = [sa.func.sum(getattr(ScoreRollup, column)) for column in SCORE_COLUMNS]
    query = (
        sa.select(by, ScoreRollup.survey_id, *sums)
        .where(
            ScoreRollup.dimension == dimension,
            ScoreRollup.segment == segment,
            ScoreRollup.day.between(period.since, period.until),
            ScoreRollup.survey_id.in_(surveys),
        )
        .group_by(by, ScoreRollup.survey_id)
    )
    if value is not None:
        query = query.where(ScoreRollup.value == value)
    result: dict[Any, Tally] = defaultdict(Tally)
    for key, survey_id, *counts in db.session.execute(query):
        histogram = dict(enumerate(int(c or 0) for c in counts))
        result[key] += tally(kind, histogram, surveys[survey_id].thresholds)
    return result


def _property_tallies(
    kind: SurveyKind, surveys: dict[int, Survey], period: Period, name: str
) -> dict[str | None, Tally]:
    """Tallies per value of the customer property ``name``, read from the responses."""
    if not surveys:
        return {}
    value = Customer.properties[name].as_string()
    query = (
        sa.select(value, Response.survey_id, Response.score, sa.func.count())
        .select_from(Response)
        .outerjoin(Customer, Customer.id == Response.customer_id)
        .where(
            Response.survey_id.in_(surveys),
            Response.created_at >= period.start,
            Response.created_at < period.end,
        )
        .group_by(value, Response.survey_id, Response.score)
    )
    result: dict[str | None, Tally] = defaultdict(Tally)
    for key, survey_id, score, count in db.session.execute(query):
        result[key] += tally(kind, {score: count}, surveys[survey_id].thresholds)
    return result


def _labels(group_by: GroupBy, keys: list[str], surveys: dict[int, Survey]) -> dict[str, str]:
    if group_by is GroupBy.TEAM:
        ids = [int(k) for k in keys if k]
        return {
            str(i): n
            for i, n in db.session.execute(sa.select(Team.id, Team.name).where(Team.id.in_(ids)))
        }
    if group_by is GroupBy.AGENT:
        ids = [int(k) for k in keys if k]
        rows = db.session.execute(
            sa.select(Agent.id, Agent.name, Agent.email).where(Agent.id.in_(ids))
        )
        return {str(i): name or email for i, name, email in rows}
    if group_by is GroupBy.SURVEY:
        return {str(i): s.name for i, s in surveys.items()}
    if group_by is GroupBy.CHANNEL:
        return {k: k for k in keys if k}
    return {k: k for k in keys if k}


def score_report(
    kind: SurveyKind,
    period: Period,
    *,
    interval: Interval | None = None,
    group_by: GroupBy | None = None,
    property_name: str | None = None,
    survey_id: int | None = None,
    scope: Scope | None = None,
) -> ScoreReport:
    """The figures of ``kind`` for ``period`` and the period before, a series by ``interval``
    and a breakdown by ``group_by`` (``property_name`` names the customer property).

    :param scope: one team or agent: the figures and the series are theirs (read from that
        breakdown's rows), not everyone's.
    """
    if group_by is GroupBy.PROPERTY and not property_name:
        raise ValueError("a customer property name is needed to group by property")
    surveys = _surveys(kind, survey_id)
    drill = {"kind": kind.value}
    if survey_id is not None:
        drill["survey"] = str(survey_id)
    narrow: tuple[RollupDimension, str | None] = (RollupDimension.ALL, None)
    if scope is not None:
        narrow = (RollupDimension(scope.by.value), scope.value)
        drill[scope.by.value] = scope.value

    def total(p: Period) -> dict[str, Estimate]:
        by_survey = _tallies(kind, surveys, p, narrow[0], sa.literal(1), value=narrow[1])
        return figures(kind, sum(by_survey.values(), Tally()), min_n())

    return ScoreReport(
        kind=kind,
        period=period,
        figures=total(period),
        previous=total(period.previous),
        interval=interval,
        group_by=group_by,
        property_name=property_name,
        series=[] if interval is None else _series(kind, surveys, period, interval, drill, narrow),
        groups=(
            []
            if group_by is None
            else _groups(kind, surveys, period, group_by, property_name, drill)
        ),
        drill=drill | _dates(period),
        from_rows=group_by is GroupBy.PROPERTY and property_name not in segments.declared(),
    )


def _dates(period: Period) -> dict[str, str]:
    return {"since": period.since.isoformat(), "until": period.until.isoformat()}


def _series(
    kind: SurveyKind,
    surveys: dict[int, Survey],
    period: Period,
    interval: Interval,
    drill: dict[str, str],
    narrow: tuple[RollupDimension, str | None],
) -> list[Line]:
    """One line per day, week or month of ``period``, summed from the daily rollups of
    ``narrow`` (a dimension, and the one value of it to read, or None for all)."""
    parts = period.split(interval)
    starts = [part.since for part in parts]
    by_part = [Tally() for _ in parts]
    dimension, value = narrow
    for day, t in _tallies(kind, surveys, period, dimension, ScoreRollup.day, value=value).items():
        by_part[bisect.bisect_right(starts, day) - 1] += t
    return [
        Line(
            part.since.isoformat(),
            part.label(interval),
            figures(kind, t, min_n()),
            drill | _dates(part),
        )
        for part, t in zip(parts, by_part, strict=True)
    ]


def _groups(
    kind: SurveyKind,
    surveys: dict[int, Survey],
    period: Period,
    group_by: GroupBy,
    property_name: str | None,
    drill: dict[str, str],
) -> list[Line]:
    """One line per value of ``group_by``, largest first; "" stands for none set."""
    if group_by is GroupBy.PROPERTY:
        name = property_name or ""
        if name in segments.declared():
            raw = _tallies(
                kind, surveys, period, RollupDimension.SEGMENT, ScoreRollup.value, segment=name
            )
        else:
            raw = _property_tallies(kind, surveys, period, name)
        drill = drill | {"property": name}
        param = "property_value"
    else:
        by = ScoreRollup.survey_id if group_by is GroupBy.SURVEY else ScoreRollup.value
        raw = _tallies(kind, surveys, period, ROLLUP_DIMENSION[group_by], by)
        param = group_by.value
    by_key = {str(key or ""): value for key, value in raw.items()}
    labels = _labels(group_by, list(by_key), surveys)
    return [
        Line(
            key or NONE,
            labels.get(key, f"(deleted {group_by.value} {key})" if key else "(none)"),
            figures(kind, t, min_n()),
            drill | _dates(period) | {param: key or NONE},
        )
        for key, t in sorted(by_key.items(), key=lambda item: (-item[1].n, item[0]))
        # A value whose answers all moved away (a customer's new segment) leaves empty rows.
        if t.n
    ]


# --- Response rate, support and follow-up figures -------------------------------------------


def response_rate_figure(period: Period, kind: SurveyKind | None = None) -> Estimate:
    """Response rate of the invitations sent in ``period`` (of ``kind``, or all kinds)."""
    query = (
        sa.select(sa.func.count(), sa.func.count(Invitation.responded_at))
        .select_from(Invitation)
        .where(Invitation.sent_at >= period.start, Invitation.sent_at < period.end)
    )
    if kind is not None:
        query = query.join(Survey, Survey.id == Invitation.survey_id).where(Survey.kind == kind)
    sent, responded = db.session.execute(query).one()
    return response_rate(responded, sent, min_n())


#: When an interaction began: the helpdesk's opening time, or when we first heard of it.
interaction_opened = sa.func.coalesce(Interaction.opened_at, Interaction.created_at)


#: The day a contact's FCR verdict and times are counted on: resolved, else opened.
interaction_closed = sa.func.coalesce(Interaction.resolved_at, interaction_opened)


class SupportFigure(enum.StrEnum):
    """The sets of interactions the support figures stand for."""

    FCR = "fcr"
    HANDLE_TIME = "handle_time"
    RESOLUTION = "resolution"
    FIRST_RESPONSE = "first_response"
    VOLUME = "volume"
    ABANDONED = "abandoned"


def support_set(figure: SupportFigure, period: Period) -> list[sa.ColumnElement[bool]]:
    """The conditions selecting the interactions behind ``figure`` in ``period``, as the
    rollups count them (``services.support.entries``): the volume and the abandoned
    contacts opened in it; the others answered contacts counted in it (resolved in it, or
    opened in it when not resolved) that have the measure."""
    if figure in (SupportFigure.VOLUME, SupportFigure.ABANDONED):
        opened = [interaction_opened >= period.start, interaction_opened < period.end]
        if figure is SupportFigure.ABANDONED:
            opened.append(Interaction.answered.is_(False))
        return opened
    conditions = [
        Interaction.answered.is_(True),
        interaction_closed >= period.start,
        interaction_closed < period.end,
    ]
    if figure is SupportFigure.FCR:
        conditions.append(
            sa.or_(
                Interaction.first_contact_resolved.is_not(None),
                Interaction.resolved_at.is_not(None),
            )
        )
    elif figure is SupportFigure.HANDLE_TIME:
        conditions.append(
            sa.or_(
                *(
                    column.is_not(None)
                    for column in (
                        Interaction.handle_seconds,
                        Interaction.talk_seconds,
                        Interaction.hold_seconds,
                        Interaction.after_work_seconds,
                    )
                )
            )
        )
    elif figure is SupportFigure.RESOLUTION:
        conditions.append(Interaction.resolved_at >= interaction_opened)
    elif figure is SupportFigure.FIRST_RESPONSE:
        conditions.append(
            sa.or_(
                Interaction.first_response_seconds.is_not(None),
                Interaction.first_response_at >= interaction_opened,
            )
        )
    return conditions


def _later_contacts(contacts: list[Contact], until: datetime) -> list[Contact]:
    """The same customers' interactions opened after the earliest of ``contacts`` and up to
    the repeat window after ``until``: what a repeat contact could be."""
    if not contacts:
        return []
    earliest = min(c.opened_at for c in contacts)
    return [
        Contact(customer, aware(at))
        for customer, at in db.session.execute(
            sa.select(Interaction.customer_id, interaction_opened).where(
                Interaction.customer_id.in_({c.customer for c in contacts}),
                interaction_opened > earliest,
                interaction_opened <= until + repeat_window(),
            )
        )
    ]


def followup_report(period: Period, now: datetime) -> dict[str, Estimate]:
    """Follow-up KPIs of the cases opened in ``period``, as of ``now``."""
    cases = [
        CaseFacts(
            opened_at=case.opened_at,
            contact_due_at=case.due_at,
            first_contact_at=case.first_contact_at,
            resolved_at=case.closed_at if case.status is CaseStatus.RESOLVED else None,
            recovered=case.recovered,
        )
        for case in db.session.scalars(
            sa.select(FollowUpCase).where(
                FollowUpCase.opened_at >= period.start, FollowUpCase.opened_at < period.end
            )
        )
    ]
    return followup_figures(cases, now, min_n())


# --- Drill-down ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseFilter:
    """Which responses a figure stands for; ``NONE`` as a value means "not set"."""

    period: Period
    kind: SurveyKind | None = None
    survey_id: int | None = None
    channel: str | None = None
    team: str | None = None
    agent: str | None = None
    property_name: str | None = None
    property_value: str | None = None
    bucket: Bucket | None = None
    #: A kept theme's id: the responses it counted.
    theme_id: int | None = None
    #: A pinned theme's id: the responses tagged with it.
    pinned_id: int | None = None
    #: The lowest and highest score listed, both included.
    scores: tuple[int, int] | None = None
    #: True: only responses with a comment; False: only those without.
    has_comment: bool | None = None
    #: Words every listed comment holds, in any case.
    search: str = ""


def drill_down_query(where: ResponseFilter) -> sa.Select[tuple[Response]]:
    """Responses matching ``where``, newest first, with their related rows loaded."""
    query = responses_query(
        ResponseFilters(
            since=where.period.start, until=where.period.end, kind=where.kind, bucket=where.bucket
        )
    )
    if where.survey_id is not None:
        query = query.where(Response.survey_id == where.survey_id)
    if where.scores is not None:
        query = query.where(Response.score.between(*where.scores))
    if where.has_comment is not None:
        query = query.where(Response.comment != "" if where.has_comment else Response.comment == "")
    query = query.where(*comment_has_words(where.search))
    if where.theme_id is not None:
        mentions = sa.select(ThemeMention.response_id).where(
            ThemeMention.theme_id == where.theme_id
        )
        query = query.where(Response.id.in_(mentions))
    if where.pinned_id is not None:
        tagged = sa.select(ThemeTag.response_id).where(ThemeTag.pinned_id == where.pinned_id)
        query = query.where(Response.id.in_(tagged))
    query = narrow_to_breakdown(query, where, Response.channel, Response.team_id, Response.agent_id)
    if where.property_name and where.property_value is not None:
        query = query.where(
            segments.customer_filter(
                Response.customer_id, where.property_name, where.property_value, NONE
            )
        )
    return query


def case_ids(responses: Sequence[Response]) -> dict[int, int]:
    """The follow-up case of each response that has one: its id by the response's."""
    rows = db.session.execute(
        sa.select(FollowUpCase.response_id, FollowUpCase.id).where(
            FollowUpCase.response_id.in_([response.id for response in responses])
        )
    )
    return {response_id: case_id for response_id, case_id in rows}


def iter_responses(where: ResponseFilter, batch: int = 1000) -> Iterator[Response]:
    """Stream the matching responses in batches, so memory stays flat at any count."""
    query = drill_down_query(where).execution_options(yield_per=batch)
    yield from db.session.scalars(query)


def narrow_to_breakdown(
    query: sa.Select[Any],
    where: ResponseFilter | InteractionFilter,
    channel: Any,
    team: Any,
    agent: Any,
) -> sa.Select[Any]:
    """Narrow ``query`` to the drill-down's channel, team and agent (``NONE``: not set)."""
    for column, value, convert in (
        (channel, where.channel, str),
        (team, where.team, int),
        (agent, where.agent, int),
    ):
        if value == NONE:
            query = query.where(column.is_(None))
        elif value is not None:
            query = query.where(column == convert(value))
    return query


@dataclass(frozen=True)
class InteractionFilter:
    """Which interactions a support figure stands for; ``NONE`` as a value means "not set"."""

    period: Period
    figure: SupportFigure = SupportFigure.FCR
    channel: str | None = None
    team: str | None = None
    agent: str | None = None
    topic: str | None = None
    property_name: str | None = None
    property_value: str | None = None


def interaction_query(where: InteractionFilter) -> sa.Select[tuple[Interaction]]:
    """The interactions behind ``where.figure``, latest resolved (or, for the volume, latest
    opened) first, with their agent and team loaded."""
    latest = interaction_opened if where.figure is SupportFigure.VOLUME else Interaction.resolved_at
    query = (
        sa.select(Interaction)
        .options(joinedload(Interaction.agent), joinedload(Interaction.team))
        .where(*support_set(where.figure, where.period))
    )
    query = narrow_to_breakdown(
        query, where, Interaction.channel, Interaction.team_id, Interaction.agent_id
    )
    if where.topic is not None:
        query = query.where(
            Interaction.topic.is_(None) if where.topic == NONE else Interaction.topic == where.topic
        )
    if where.property_name and where.property_value is not None:
        query = query.where(
            segments.customer_filter(
                Interaction.customer_id, where.property_name, where.property_value, NONE
            )
        )
    return query.order_by(latest.desc(), Interaction.id.desc())


@dataclass(frozen=True)
class InteractionLine:
    """One interaction of a support drill-down, with what its figures made of it."""

    interaction: Interaction
    opened_at: datetime
    #: Resolved at first contact (the helpdesk's flag, else no repeat contact); None when
    #: it is not resolved.
    first_contact: bool | None
    #: When the customer came back within the repeat window, if they did.
    repeat_at: datetime | None
    responses: list[Response]


def interaction_lines(items: Sequence[Interaction]) -> list[InteractionLine]:
    """``items`` with their first-contact verdicts, judged as the FCR figure judges them, and
    the responses given about them."""
    contacts = [
        Contact(i.customer_id, i.opened_at or i.created_at, i.resolved_at, i.first_contact_resolved)
        for i in items
    ]
    resolved = [c.resolved_at for c in contacts if c.resolved_at is not None]
    opened = opened_by_customer(_later_contacts(contacts, max(resolved)) if resolved else [])
    responses: dict[int, list[Response]] = defaultdict(list)
    for response in db.session.scalars(
        sa.select(Response)
        .where(Response.interaction_id.in_([i.id for i in items]))
        .order_by(Response.created_at, Response.id)
    ):
        responses[response.interaction_id or 0].append(response)
    window = repeat_window()
    return [
        InteractionLine(
            item,
            contact.opened_at,
            None
            if contact.resolved_at is None
            else resolved_at_first_contact(contact, opened, window),
            repeat_contact(contact, opened, window),
            responses[item.id],
        )
        for item, contact in zip(items, contacts, strict=True)
    ]


def teams_and_agents() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Every team and agent as (id, name) pairs, by name: the drill-down's filter choices."""
    agent_name = sa.func.coalesce(Agent.name, Agent.email)
    teams = db.session.execute(sa.select(Team.id, Team.name).order_by(Team.name))
    agents = db.session.execute(sa.select(Agent.id, agent_name).order_by(agent_name))
    return [(i, name) for i, name in teams], [(i, name) for i, name in agents]


def survey_names() -> list[tuple[int, str]]:
    """Every survey as (id, name with its kind) pairs, by name: a filter's choices."""
    surveys = db.session.execute(
        sa.select(Survey.id, Survey.name, Survey.kind).order_by(Survey.name, Survey.id)
    )
    return [(i, f"{name} ({kind.value.upper()})") for i, name, kind in surveys]


# --- The dashboard page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Drill:
    """Where a figure drills down to: the rows it was computed from."""

    #: What is listed: ``responses``, ``interactions`` or ``cases``.
    rows: str
    #: Query arguments selecting them.
    args: dict[str, str]


@dataclass(frozen=True)
class Card:
    """One headline figure and the same figure for the previous period."""

    name: str
    label: str
    #: How to show the value: ``percent``, ``points`` (NPS), ``mean`` (CES), ``duration``
    #: (seconds) or ``count``.
    unit: str
    current: Estimate
    previous: Estimate
    #: The rows behind the figure; None where there is no list of them.
    drill: Drill | None = None

    @property
    def difference(self) -> Difference | None:
        """The change with its 95% interval, by the figure's test (``surveys.changes``);
        None where there is no test or too little data."""
        return change_difference(self.name, self.current, self.previous)


@dataclass(frozen=True)
class Dashboard:
    period: Period
    cards: list[Card]
    support: list[Card]
    followups: list[Card]
    #: Interactions opened per channel, in the period and in the one before.
    volume: dict[str, int]
    previous_volume: dict[str, int]
    report: ScoreReport
    support_groups: SupportLines


@dataclass(frozen=True)
class SupportLines:
    """The support figures broken down, one line per value, largest volume first."""

    group_by: SupportGroupBy | None
    property_name: str | None
    lines: list[Line]
    #: Read from the interactions (an undeclared property), not from the rollups.
    from_rows: bool = False


def _volumes(period: Period) -> tuple[dict[str, int], dict[str, int]]:
    """Contacts per channel in ``period`` and the one before, on the same channels: this
    period's first, then those seen only before."""
    now = volume_by_channel(period.since, period.until)
    before = volume_by_channel(period.previous.since, period.previous.until)
    labels = [*now, *(label for label in before if label not in now)]
    return {k: now.get(k, 0) for k in labels}, {k: before.get(k, 0) for k in labels}


def support_lines(
    period: Period,
    group_by: SupportGroupBy | None,
    property_name: str | None = None,
    scope: Scope | None = None,
) -> tuple[SupportReport, SupportLines]:
    """The support figures of ``period`` (``scope``'s, when given) and their breakdown by
    ``group_by``, labelled, each line with the query arguments listing its interactions."""
    report = support_report(
        period.since,
        period.until,
        group_by=group_by,
        property_name=property_name,
        min_n=min_n(),
        scope=scope,
    )
    lines = []
    if group_by is not None:
        keys = [group.key for group in report.groups]
        labels = (
            _labels(GroupBy(group_by.value), keys, {})
            if group_by.value in ("channel", "team", "agent")
            else {key: key for key in keys if key}
        )
        drill = {"figure": SupportFigure.VOLUME.value, **_dates(period)}
        if group_by is SupportGroupBy.PROPERTY:
            drill["property"] = property_name or ""
            param = "property_value"
        else:
            param = group_by.value
        lines = [
            Line(
                group.key or NONE,
                labels.get(group.key, f"(deleted {group_by.value} {group.key})")
                if group.key
                else "(none)",
                group.figures,
                drill | {param: group.key or NONE},
            )
            for group in report.groups
        ]
    return report, SupportLines(group_by, property_name, lines, report.from_rows)


SCORE_CARDS = (
    (SurveyKind.NPS, "nps", "NPS", "points"),
    (SurveyKind.CSAT, "csat", "CSAT", "percent"),
    (SurveyKind.CES, "ces", "CES (mean, 1-7)", "mean"),
    (SurveyKind.CES, "ces_easy", "CES % easy", "percent"),
)
SUPPORT_CARDS = (
    ("fcr", "First contact resolution", "percent", SupportFigure.FCR),
    ("handle_time", "Average handle time", "duration", SupportFigure.HANDLE_TIME),
    ("talk_time", "Talk time (mean)", "duration", SupportFigure.HANDLE_TIME),
    ("hold_time", "Hold time (mean)", "duration", SupportFigure.HANDLE_TIME),
    ("after_work_time", "After-call work (mean)", "duration", SupportFigure.HANDLE_TIME),
    ("resolution_median", "Time to resolution (median)", "duration", SupportFigure.RESOLUTION),
    ("resolution_mean", "Time to resolution (mean)", "duration", SupportFigure.RESOLUTION),
    (
        "first_response_median",
        "First response time (median)",
        "duration",
        SupportFigure.FIRST_RESPONSE,
    ),
    ("first_response_mean", "First response time (mean)", "duration", SupportFigure.FIRST_RESPONSE),
    ("abandonment", "Abandonment rate", "percent", SupportFigure.VOLUME),
    ("volume", "Volume (contacts opened)", "count", SupportFigure.VOLUME),
)
#: The support figures of a breakdown table, with their units: the counts first.
SUPPORT_COLUMNS = {
    name: unit for name, _, unit, _ in (SUPPORT_CARDS[-1], SUPPORT_CARDS[-2], *SUPPORT_CARDS[:-2])
}
#: Each follow-up figure with the triage status its cases are listed under.
FOLLOWUP_CARDS = (
    ("contacted_in_time", "Follow-ups contacted within deadline", "percent", "all"),
    ("time_to_first_contact", "Time to first contact (median)", "duration", "all"),
    ("time_to_resolution", "Follow-up time to resolution (median)", "duration", "resolved"),
    ("recovery_rate", "Recovery rate (re-survey satisfied)", "percent", "all"),
)


def dashboard(
    kind: SurveyKind,
    period: Period,
    now: datetime,
    *,
    interval: Interval,
    group_by: GroupBy,
    property_name: str | None = None,
    survey_id: int | None = None,
    support_by: SupportGroupBy | None = SupportGroupBy.CHANNEL,
) -> Dashboard:
    """Everything the dashboard page shows: the cards of every kind, the support and
    follow-up figures, each against the previous period, ``kind``'s series and breakdown,
    and the support figures broken down by ``support_by``.
    """
    report = score_report(
        kind,
        period,
        interval=interval,
        group_by=group_by,
        property_name=property_name,
        survey_id=survey_id,
    )
    reports = {kind: report}
    for other in SurveyKind:
        if other not in reports:
            reports[other] = score_report(other, period)
    dates = _dates(period)
    cards = [
        Card(
            name,
            label,
            unit,
            reports[k].figures[name],
            reports[k].previous[name],
            Drill("responses", {"kind": k.value, **dates}),
        )
        for k, name, label, unit in SCORE_CARDS
    ]
    cards.append(
        Card(
            "response_rate",
            "Response rate",
            "percent",
            response_rate_figure(period),
            response_rate_figure(period.previous),
        )
    )
    support, groups = support_lines(period, support_by, property_name)
    before = support_report(period.previous.since, period.previous.until, min_n=min_n())
    cards_support = [
        Card(
            name,
            label,
            unit,
            support.figures[name],
            before.figures[name],
            Drill("interactions", {"figure": figure.value, **dates}),
        )
        for name, label, unit, figure in SUPPORT_CARDS
    ]
    followups, followups_before = (
        followup_report(period, now),
        followup_report(period.previous, now),
    )
    opened = {"opened_from": dates["since"], "opened_to": dates["until"]}
    cards_followups = [
        Card(
            name,
            label,
            unit,
            followups[name],
            followups_before[name],
            Drill("cases", {"status": status, **opened}),
        )
        for name, label, unit, status in FOLLOWUP_CARDS
    ]
    return Dashboard(
        period,
        cards,
        cards_support,
        cards_followups,
        *_volumes(period),
        report,
        groups,
    )
