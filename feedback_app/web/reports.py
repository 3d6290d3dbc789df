"""What the dashboard, the metrics API and the exports share: reading the query string into a
report request, and writing a report as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, NotRequired

from pydantic import AfterValidator, Field, ValidationInfo, WithJsonSchema, field_validator
from typing_extensions import TypedDict

from feedback_app.channels.labels import known_label, labels_in_use
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import PinnedTheme, Survey, Theme
from feedback_app.retention.service import RetentionGroupBy
from feedback_app.services.kpis import GroupDifference, KpiReport
from feedback_app.services.metrics import (
    NONE,
    GroupBy,
    InteractionFilter,
    Interval,
    Line,
    Period,
    ResponseFilter,
    ScoreReport,
    SupportFigure,
    default_period,
)
from feedback_app.services.support.figures import SupportGroupBy
from feedback_app.utilization.service import UtilizationGroupBy, flag_of, floor
from feedback_app.web.inputs import Choice, Day, Input, Rule, Text, WholeNumber, invalid
from surveys.bucketing import BUCKETS_BY_KIND, Bucket
from surveys.changes import change_difference
from surveys.channels import MAX_LENGTH as CHANNEL_LENGTH
from surveys.kinds import KIND_SPECS, SurveyKind
from surveys.metrics import Estimate, change
from surveys.utilization import OVERWORK_ABOVE, UtilizationFlag

#: The longest range a report may cover, so a typo cannot ask for a daily series of a century.
MAX_DAYS = 3660
#: The scores any kind's scale reaches.
LOWEST_SCORE = min(spec.low for spec in KIND_SPECS.values())
HIGHEST_SCORE = max(spec.high for spec in KIND_SPECS.values())


@dataclass(frozen=True)
class BreakdownValue(Rule):
    """A team or agent id, or ``none`` for the answers without one; read as text."""

    def read(self, value: object, from_text: bool) -> str:
        if value == NONE:
            return NONE
        return str(WholeNumber(1).read(value, from_text))

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "integer", "minimum": 1}, {"const": NONE}]}


@dataclass(frozen=True)
class ChannelName(Rule):
    """A channel's label in any case (``whatsapp`` reads as "WhatsApp"); with ``or_none``,
    also ``none`` for the answers without a channel."""

    or_none: bool = False

    def read(self, value: object, from_text: bool) -> str | None:
        if self.or_none and value == NONE:
            return NONE
        text = Text(max_length=CHANNEL_LENGTH).read(value, from_text)
        label = known_label(text) if text else None
        if text and label is None:
            options = ([NONE] if self.or_none else []) + labels_in_use()
            if not options:
                raise invalid("names no channel: none has arrived yet")
            raise invalid("must be one of " + ", ".join(options))
        return label

    def json_schema(self) -> dict[str, Any]:
        text = {"type": "string", "maxLength": CHANNEL_LENGTH}
        return {"anyOf": [text, {"const": NONE}]} if self.or_none else text


@dataclass(frozen=True)
class ScoreRange(Rule):
    """A score (``9``) or a range of scores, both ends included (``0-6``), as ASCII digits
    on some kind's scale; read as ``(low, high)``."""

    def read(self, value: object, from_text: bool) -> tuple[int, int] | None:
        text = value.strip() if isinstance(value, str) else None
        if text == "":
            return None
        ends = [part.strip() for part in text.split("-")] if text else []
        if not 1 <= len(ends) <= 2 or not all(end.isascii() and end.isdigit() for end in ends):
            raise invalid("must be a score such as 9 or a range such as 0-6")
        scale = WholeNumber(LOWEST_SCORE, HIGHEST_SCORE)
        low, high = (scale.read(end, from_text=True) for end in (ends[0], ends[-1]))
        if low > high:
            raise invalid("must go from the lower score to the higher one, such as 0-6")
        return low, high

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": "^[0-9]+( *- *[0-9]+)?$"}


class PeriodQuery(Input):
    """``since`` and ``until``: whole UTC days, both included; until today and 30 days long by
    default."""

    until: Annotated[date | None, Day(), Field(description="Today by default.")] = None
    since: Annotated[
        date | None, Day(), Field(description="The 30 days up to until by default.")
    ] = None

    @field_validator("since")
    @classmethod
    def _within_range(cls, since: date | None, info: ValidationInfo) -> date | None:
        if since is None or "until" not in info.data:
            return since
        until = info.data["until"] or default_period(utcnow()).until
        if since > until:
            raise invalid("must not be after the last day of the period")
        if (until - since).days >= MAX_DAYS:
            raise invalid(f"the range must be at most {MAX_DAYS} days")
        return since

    def period(self, now: datetime) -> Period:
        fallback = default_period(now)
        until = self.until or fallback.until
        return Period(self.since or until - timedelta(days=fallback.days - 1), until)


def _survey_of_kind(survey_id: int | None, info: ValidationInfo) -> int | None:
    """A survey that exists and, when the kind (declared before it) is chosen, is of it."""
    kind = info.data.get("kind")
    survey = db.session.get(Survey, survey_id) if survey_id is not None else None
    if survey_id is not None and (survey is None or kind not in (None, survey.kind)):
        raise invalid(f"there is no {kind or 'such'} survey {survey_id}")
    return survey_id


def property_to_group_by(name: str | None, info: ValidationInfo) -> str | None:
    """``property``, required when ``group_by`` (declared before it) is ``property``; so
    validated when missing too (``validate_default``)."""
    if info.data.get("group_by") == "property" and name is None:
        raise invalid("is required to group by a customer property")
    return name


#: The customer property a report groups by, named as the query string names it.
PropertyName = Annotated[
    str | None,
    Text(max_length=100),
    AfterValidator(property_to_group_by),
    Field(description="The customer property to group by."),
]


class ReportQuery(PeriodQuery):
    """A score report: a kind, a period, optionally a series and a breakdown."""

    invalid_message = "invalid metrics query"

    kind: Annotated[SurveyKind, Choice(SurveyKind)]
    interval: Annotated[Interval | None, Choice(Interval)] = None
    group_by: Annotated[GroupBy | None, Choice(GroupBy)] = None
    property: PropertyName = Field(None, validate_default=True)
    survey: Annotated[int | None, WholeNumber(1)] = None

    _survey = field_validator("survey")(_survey_of_kind)

    def options(self) -> dict[str, Any]:
        """The keyword arguments ``score_report`` takes besides kind and period."""
        return {
            "interval": self.interval,
            "group_by": self.group_by,
            "property_name": self.property,
            "survey_id": self.survey,
        }


class SupportQuery(PeriodQuery):
    """The support figures of a period, optionally a series and a breakdown."""

    invalid_message = "invalid metrics query"

    interval: Annotated[Interval | None, Choice(Interval)] = None
    group_by: Annotated[SupportGroupBy | None, Choice(SupportGroupBy)] = None
    property: PropertyName = Field(None, validate_default=True)


class RetentionQuery(PeriodQuery):
    """Retention over a period, optionally a series and the breakdown by NPS bucket."""

    invalid_message = "invalid metrics query"

    interval: Annotated[Interval | None, Choice(Interval)] = None
    group_by: Annotated[RetentionGroupBy | None, Choice(RetentionGroupBy)] = None


class UtilizationQuery(PeriodQuery):
    """Utilization over a period, optionally a series and a breakdown by agent or team."""

    invalid_message = "invalid metrics query"

    interval: Annotated[Interval | None, Choice(Interval)] = None
    group_by: Annotated[UtilizationGroupBy | None, Choice(UtilizationGroupBy)] = None


def _bucket_of_kind(bucket: Bucket | None, info: ValidationInfo) -> Bucket | None:
    kind = info.data.get("kind")
    if bucket is not None and kind is not None and bucket not in BUCKETS_BY_KIND[kind]:
        names = ", ".join(BUCKETS_BY_KIND[kind])
        raise invalid(f"is not a bucket of {kind}; expected one of {names}")
    return bucket


class ResponseFilterQuery(PeriodQuery):
    """A drill-down: the period, and optionally kind, survey, score, bucket, breakdown values,
    whether there is a comment and words it holds, or the responses behind a kept theme or
    tagged with a pinned one."""

    kind: Annotated[SurveyKind | None, Choice(SurveyKind)] = None
    survey: Annotated[int | None, WholeNumber(1)] = None
    score: Annotated[tuple[int, int] | None, ScoreRange()] = None
    bucket: Annotated[Bucket | None, Choice(Bucket)] = None
    has_comment: Annotated[str | None, Choice(("yes", "no"))] = None
    q: Annotated[str | None, Text(max_length=200)] = None
    channel: Annotated[str | None, ChannelName(or_none=True)] = None
    team: Annotated[str | None, BreakdownValue()] = None
    agent: Annotated[str | None, BreakdownValue()] = None
    property_name: Annotated[str | None, Text(max_length=100), Field(alias="property")] = None
    property_value: Annotated[str | None, Text(max_length=200)] = None
    theme: Annotated[int | None, WholeNumber(1)] = None
    tag: Annotated[int | None, WholeNumber(1)] = None

    _bucket = field_validator("bucket")(_bucket_of_kind)

    _survey = field_validator("survey")(_survey_of_kind)

    @field_validator("score")
    @classmethod
    def _on_the_kinds_scale(
        cls, score: tuple[int, int] | None, info: ValidationInfo
    ) -> tuple[int, int] | None:
        kind = info.data.get("kind")
        if score is None or kind is None:
            return score
        spec = KIND_SPECS[kind]
        if not spec.low <= score[0] <= score[1] <= spec.high:
            raise invalid(f"must be from {spec.low} to {spec.high} on the {kind.upper()} scale")
        return score

    @field_validator("theme")
    @classmethod
    def _kept_theme(cls, theme_id: int | None) -> int | None:
        if theme_id is not None and db.session.get(Theme, theme_id) is None:
            raise invalid(f"there is no theme {theme_id}; the themes were computed again since")
        return theme_id

    @field_validator("tag")
    @classmethod
    def _pinned_theme(cls, pinned_id: int | None) -> int | None:
        if pinned_id is not None and db.session.get(PinnedTheme, pinned_id) is None:
            raise invalid(f"there is no pinned theme {pinned_id}")
        return pinned_id

    def where(self, now: datetime) -> ResponseFilter:
        return ResponseFilter(
            period=self.period(now),
            kind=self.kind,
            survey_id=self.survey,
            channel=self.channel,
            team=self.team,
            agent=self.agent,
            property_name=self.property_name,
            property_value=self.property_value,
            bucket=self.bucket,
            theme_id=self.theme,
            pinned_id=self.tag,
            scores=self.score,
            has_comment=None if self.has_comment is None else self.has_comment == "yes",
            search=self.q or "",
        )


class ThemeQuery(PeriodQuery):
    """The comments to find themes in: a kind, a period, optionally a bucket of that kind,
    a channel, a team or an agent (``none``: the responses without one)."""

    invalid_message = "invalid themes query"

    kind: Annotated[SurveyKind, Choice(SurveyKind)]
    bucket: Annotated[Bucket | None, Choice(Bucket)] = None
    channel: Annotated[str | None, ChannelName(or_none=True)] = None
    team: Annotated[str | None, BreakdownValue()] = None
    agent: Annotated[str | None, BreakdownValue()] = None

    _bucket = field_validator("bucket")(_bucket_of_kind)

    def where(self, now: datetime) -> ResponseFilter:
        return ResponseFilter(
            period=self.period(now),
            kind=self.kind,
            bucket=self.bucket,
            channel=self.channel,
            team=self.team,
            agent=self.agent,
        )


class InteractionFilterQuery(PeriodQuery):
    """A support drill-down: the period, the figure (FCR by default) and breakdown values;
    every interaction has a channel, so ``none`` is no channel choice here."""

    figure: Annotated[SupportFigure, Choice(SupportFigure)] = SupportFigure.FCR
    channel: Annotated[str | None, ChannelName()] = None
    team: Annotated[str | None, BreakdownValue()] = None
    agent: Annotated[str | None, BreakdownValue()] = None
    topic: Annotated[str | None, Text(max_length=200)] = None
    property_name: Annotated[str | None, Text(max_length=100), Field(alias="property")] = None
    property_value: Annotated[str | None, Text(max_length=200)] = None

    def where(self, now: datetime) -> InteractionFilter:
        return InteractionFilter(
            period=self.period(now),
            figure=self.figure,
            channel=self.channel,
            team=self.team,
            agent=self.agent,
            topic=self.topic,
            property_name=self.property_name,
            property_value=self.property_value,
        )


DayText = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]


class Figure(TypedDict):
    """A figure: its value (null for no data), n, interval and margin, low-sample flag."""

    value: float | None
    n: int
    low: float | None
    high: float | None
    margin: float | None
    low_sample: bool


class FigureWithChange(Figure):
    previous: Figure
    #: Against the previous period; percentages move in points.
    change: float | None
    #: The change's 95% interval (difference of proportions, NPS's difference variance or
    #: Welch for means); null for counts and medians, or with too little data.
    change_low: float | None
    change_high: float | None
    #: True when that interval excludes zero, false when it includes it, null untested.
    change_significant: bool | None


class PeriodData(TypedDict):
    since: DayText
    until: DayText


class SeriesLine(TypedDict):
    period: str
    since: DayText
    until: DayText
    figures: dict[str, Figure]


class GroupLine(TypedDict):
    key: str
    label: str
    figures: dict[str, Figure]


class ReportData(TypedDict):
    """A score report, each line's figures keyed by name (``nps``, ``csat``, ``ces``…)."""

    kind: SurveyKind
    since: DayText
    until: DayText
    previous_period: PeriodData
    min_n: int
    figures: dict[str, FigureWithChange]
    interval: Interval | None
    series: list[SeriesLine]
    group_by: GroupBy | None
    property: str | None
    groups: list[GroupLine]


class FlaggedLine(GroupLine):
    #: Utilization's: ``overwork`` or ``below_floor``, else null.
    flag: NotRequired[UtilizationFlag | None]


class DifferenceData(TypedDict):
    """One group's figure minus another's, in points, with its 95% interval;
    ``significant`` when the interval excludes zero (nulls: a group has no data)."""

    figure: str
    key: str
    other: str
    value: float | None
    low: float | None
    high: float | None
    significant: bool | None


class KpiData(TypedDict):
    """Support, retention or utilization figures, in the shape of a score report."""

    since: DayText
    until: DayText
    previous_period: PeriodData
    min_n: int
    figures: dict[str, FigureWithChange]
    interval: Interval | None
    series: list[SeriesLine]
    group_by: str | None
    property: str | None
    groups: list[FlaggedLine]
    #: Retention's: each bucket compared with the detractors.
    differences: list[DifferenceData]


class UtilizationData(KpiData):
    #: Agents and teams under this % are flagged ``below_floor``, over ``overwork_above``
    #: ``overwork``.
    floor: int
    overwork_above: float


def estimate_data(estimate: Estimate) -> dict[str, Any]:
    """A figure as JSON-ready data: value (None for no data), n, interval, low-sample flag."""
    return {
        "value": estimate.value,
        "n": estimate.n,
        "low": estimate.low,
        "high": estimate.high,
        "margin": estimate.margin,
        "low_sample": estimate.low_sample,
    }


def change_data(name: str, estimate: Estimate, previous: Estimate) -> dict[str, Any]:
    """Figure ``name`` with the previous period's, the change, its interval and whether it
    is significant at 95% (``surveys.changes``)."""
    difference = change_difference(name, estimate, previous)
    return {
        **estimate_data(estimate),
        "previous": estimate_data(previous),
        "change": change(estimate, previous),
        "change_low": None if difference is None else difference.low,
        "change_high": None if difference is None else difference.high,
        "change_significant": None if difference is None else difference.significant,
    }


def _period_data(
    period: Period, figures: dict[str, Estimate], previous: dict[str, Estimate]
) -> dict[str, Any]:
    """What every report starts with: its period, the one before, and the figures with their
    change."""
    return {
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "previous_period": {
            "since": period.previous.since.isoformat(),
            "until": period.previous.until.isoformat(),
        },
        "figures": {
            name: change_data(name, value, previous[name]) for name, value in figures.items()
        },
    }


def _figures_data(line: Line) -> dict[str, Any]:
    return {name: estimate_data(v) for name, v in line.figures.items()}


def report_data(report: ScoreReport, min_n: int) -> ReportData:
    """A score report as JSON-ready data, the figures of each line keyed by name."""
    return {  # type: ignore[return-value]
        "kind": report.kind.value,
        **_period_data(report.period, report.figures, report.previous),
        "min_n": min_n,
        "interval": report.interval.value if report.interval else None,
        "series": [
            {
                "period": line.label,
                "since": line.drill["since"],
                "until": line.drill["until"],
                "figures": _figures_data(line),
            }
            for line in report.series
        ],
        "group_by": report.group_by.value if report.group_by else None,
        "property": report.property_name,
        "groups": [
            {"key": line.key, "label": line.label, "figures": _figures_data(line)}
            for line in report.groups
        ],
    }


def kpi_data(report: KpiReport, min_n: int) -> KpiData:
    """A support, retention or utilization report as JSON-ready data, shaped as
    ``report_data``; each series line's days are its part of the period."""
    parts = report.period.split(report.interval) if report.interval else []
    return {  # type: ignore[return-value]
        **_period_data(report.period, report.figures, report.previous),
        "min_n": min_n,
        "interval": report.interval.value if report.interval else None,
        "series": [
            {
                "period": line.label,
                "since": part.since.isoformat(),
                "until": part.until.isoformat(),
                "figures": _figures_data(line),
            }
            for line, part in zip(report.series, parts, strict=True)
        ],
        "group_by": report.group_by,
        "property": report.property_name,
        "groups": [
            {"key": line.key, "label": line.label, "figures": _figures_data(line)}
            for line in report.groups
        ],
        "differences": [difference_data(d) for d in report.differences],
    }


def difference_data(item: GroupDifference) -> DifferenceData:
    d = item.difference
    return {
        "figure": item.figure,
        "key": item.key,
        "other": item.other,
        "value": None if d is None else d.value,
        "low": None if d is None else d.low,
        "high": None if d is None else d.high,
        "significant": None if d is None else d.significant,
    }


def utilization_data(report: KpiReport, min_n: int) -> UtilizationData:
    """``kpi_data`` of a utilization report, each breakdown line with its flag."""
    data = kpi_data(report, min_n)
    for line, group in zip(report.groups, data["groups"], strict=True):
        flag = flag_of(line.figures)
        group["flag"] = flag.value if flag else None  # type: ignore[typeddict-item]
    return {**data, "floor": floor(), "overwork_above": OVERWORK_ABOVE}
