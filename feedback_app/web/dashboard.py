"""The managers' dashboard: KPI cards, a series and a breakdown, drill-downs and CSV exports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, TypeVar

from flask import Blueprint, render_template, request
from pydantic import ValidationInfo, field_validator
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.channels.labels import labels_in_use
from feedback_app.clock import utcnow
from feedback_app.delighted.notes_and_tags import from_delighted
from feedback_app.extensions import db
from feedback_app.models import PinnedTheme, Role, Theme
from feedback_app.questions.breakdown import choice_breakdown, choice_questions
from feedback_app.questions.service import (
    answer_cells,
    question_heading,
    questions_of,
    with_answers,
)
from feedback_app.services.dashboard_kpis import people_sections
from feedback_app.services.metrics import (
    NONE,
    SUPPORT_COLUMNS,
    Card,
    GroupBy,
    Interval,
    ScoreReport,
    SupportFigure,
    case_ids,
    dashboard,
    drill_down_query,
    interaction_lines,
    interaction_query,
    iter_responses,
    min_n,
    score_report,
    survey_names,
    teams_and_agents,
)
from feedback_app.services.support import segments
from feedback_app.services.support.figures import SupportGroupBy
from feedback_app.targets.service import (
    TargetView,
    overall_targets,
    reference_lines,
    target_view,
)
from feedback_app.utilization.service import flag_of, floor
from feedback_app.web.api.responses import response_payload
from feedback_app.web.auth import role_required
from feedback_app.web.charts import Mark, PeriodName, line_chart, period_name
from feedback_app.web.csv_export import stream_csv
from feedback_app.web.inputs import (
    Choice,
    Input,
    InvalidInput,
    WholeNumber,
    invalid,
    read_input,
)
from feedback_app.web.listing import page_of, page_url_args
from feedback_app.web.reports import (
    InteractionFilterQuery,
    ReportQuery,
    ResponseFilterQuery,
    estimate_data,
)
from surveys.bucketing import BUCKET_CHOICES, BUCKETS_BY_KIND, Bucket, bucket_label
from surveys.figures import (
    format_change,
    format_difference,
    format_duration,
    format_margin,
    format_reference,
    format_signed,
    format_value,
)
from surveys.kinds import SurveyKind
from surveys.metrics import Estimate
from surveys.references import Reference
from surveys.targets import KPIS
from surveys.utilization import OVERWORK_ABOVE, UtilizationFlag

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
Q = TypeVar("Q", bound=Input)

#: The charted figure of each kind and its fixed scale.
HEADLINE = {
    SurveyKind.NPS: ("nps", (-100.0, 100.0)),
    SurveyKind.CSAT: ("csat", (0.0, 100.0)),
    SurveyKind.CES: ("ces", (1.0, 7.0)),
}
FIGURE_LABELS = {"nps": "NPS", "csat": "CSAT %", "ces": "CES mean", "ces_easy": "CES % easy"}
FIGURE_UNITS = {"nps": "points", "csat": "percent", "ces": "mean", "ces_easy": "percent"}
#: The page listing each kind of drill-down row; follow-up cases reuse the triage queue.
DRILL_ENDPOINTS = {
    "responses": "dashboard.responses",
    "interactions": "dashboard.interactions",
    "cases": "followups.triage",
}
SUPPORT_FIGURE_LABELS = {
    SupportFigure.FCR: "Resolved in the period (first contact resolution)",
    SupportFigure.HANDLE_TIME: "Resolved in the period, with a handle time",
    SupportFigure.RESOLUTION: "Resolved in the period (time to resolution)",
    SupportFigure.FIRST_RESPONSE: "Resolved in the period, with a first response",
    SupportFigure.VOLUME: "Opened in the period (volume)",
    SupportFigure.ABANDONED: "Opened in the period and abandoned",
}
SUPPORT_LABELS = {
    "volume": "Volume",
    "abandonment": "Abandoned",
    "fcr": "FCR",
    "handle_time": "Handle time",
    "talk_time": "Talk",
    "hold_time": "Hold",
    "after_work_time": "After-call work",
    "resolution_median": "Resolution (median)",
    "resolution_mean": "Resolution (mean)",
    "first_response_median": "First response (median)",
    "first_response_mean": "First response (mean)",
}

#: The filters every filter form shares, as each labels them (on the form and in the
#: messages that name a bad one).
SHARED_FILTER_LABELS = {
    "since": "From",
    "until": "To",
    "survey": "Survey",
    "channel": "Channel",
    "team": "Team",
    "agent": "Agent",
    "property": "Customer property",
    "property_value": "Property value",
}
#: How the responses page names each filter.
RESPONSE_FILTER_LABELS = {
    **SHARED_FILTER_LABELS,
    "kind": "Kind",
    "score": "Score",
    "bucket": "Bucket",
    "has_comment": "Comment",
    "q": "Search comments",
    "theme": "Theme",
    "tag": "Pinned theme",
}
#: A filter's first choice, which does not filter.
ANY = ("", "Any")

#: How the page names a utilization flag: in words, never by colour alone.
FLAG_LABELS = {
    UtilizationFlag.OVERWORK: "Overworked",
    UtilizationFlag.BELOW_FLOOR: "Below the floor",
}


HELPERS = {
    "format_value": format_value,
    "format_change": format_change,
    "format_margin": format_margin,
    "format_signed": format_signed,
    "format_difference": format_difference,
    "figure_labels": FIGURE_LABELS,
    "figure_units": FIGURE_UNITS,
    "drill_endpoints": DRILL_ENDPOINTS,
}


def card_targets(cards: list[Card], today: date) -> dict[str, TargetView]:
    """Each card's overall target beside its figure, by the card's name."""
    targets = overall_targets()
    return {
        c.name: target_view(targets[c.name], c.current, today) for c in cards if c.name in targets
    }


def chart_marks(view: TargetView | None, lines: list[Reference], unit: str) -> list[Mark]:
    """What the chart draws across it: the target, with the move a week it needs, and the
    reference lines of the charted figure."""
    marks = [
        Mark(
            line.low,
            f"{line.label}: {format_reference(line, unit)}",
            "reference",
            line.high if line.is_range else None,
        )
        for line in lines
    ]
    if view is not None:
        caption = f"Target {format_value(view.target.value, unit)} by {view.target.deadline}"
        if view.weekly_move:
            caption += f": {format_signed(view.weekly_move, unit)} a week needed"
        marks.append(Mark(view.target.value, caption, "target"))
    return marks


class DashboardQuery(ReportQuery):
    """The page's report: CSAT by week and by channel unless asked otherwise, and the support
    figures by channel unless asked otherwise."""

    kind: Annotated[SurveyKind, Choice(SurveyKind)] = SurveyKind.CSAT
    interval: Annotated[Interval | None, Choice(Interval)] = Interval.WEEK
    group_by: Annotated[GroupBy | None, Choice(GroupBy)] = GroupBy.CHANNEL
    support_by: Annotated[SupportGroupBy, Choice(SupportGroupBy)] = SupportGroupBy.CHANNEL
    #: The choice question the scores are broken down by; the kind's first by default.
    question: Annotated[int | None, WholeNumber(1)] = None

    @field_validator("question")
    @classmethod
    def _choice_question_of_kind(cls, question: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("kind")
        known = set() if kind is None else {q.id for q in choice_questions(kind)}
        if question is not None and kind is not None and question not in known:
            raise invalid(f"there is no choice question {question} of a {kind} survey")
        return question

    @field_validator("support_by")
    @classmethod
    def _property_to_support_by(cls, by: SupportGroupBy, info: ValidationInfo) -> SupportGroupBy:
        if by is SupportGroupBy.PROPERTY and info.data.get("property") is None:
            raise invalid("needs a customer property (property) to break support down by")
        return by


#: The dashboard's filters as its form labels them.
FILTER_LABELS = {
    **SHARED_FILTER_LABELS,
    "kind": "Survey kind",
    "interval": "Time series by",
    "group_by": "Break down by",
    "support_by": "Support by",
    "question": "Question",
}
#: What the dashboard's filter form offers, valid filters or not.
FILTER_CHOICES = {
    "kinds": list(SurveyKind),
    "intervals": list(Interval),
    "groupings": list(GroupBy),
    "support_groupings": list(SupportGroupBy),
    "filter_labels": FILTER_LABELS,
}
#: The interactions page's filters as its form labels them.
INTERACTION_FILTER_LABELS = {
    **SHARED_FILTER_LABELS,
    "figure": "Interactions",
    "topic": "Topic",
}


def _defaults_of(model: type[Input]) -> dict[str, str]:
    """The filters ``model`` reads when the query leaves them out, as the form writes them."""
    return {
        name: str(field.default)
        for name, field in model.model_fields.items()
        if field.default is not None
    }


def _refused_filters(error: InvalidInput) -> tuple[str, int]:
    """The dashboard's form again, as typed, each bad filter named by its label; 422."""
    return render_template(
        "dashboard/index.html",
        errors=error.errors,
        filters={**_defaults_of(DashboardQuery), **request.args.to_dict()},
        **FILTER_CHOICES,
        property_names=segments.known_names(),
        **HELPERS,
    ), 422


def series_names(report: ScoreReport, today: date) -> list[PeriodName]:
    """Each line of the report's series named by its dates, partial ones marked."""
    if report.interval is None:
        return []
    return [
        period_name(
            date.fromisoformat(line.drill["since"]),
            date.fromisoformat(line.drill["until"]),
            report.interval,
            today,
        )
        for line in report.series
    ]


def read_query(model: type[Q], args: dict[str, str] | None = None) -> Q:
    """The page's query string read as ``model``; InvalidInput names each bad argument."""
    return read_input(model, request.args.to_dict() if args is None else args, from_text=True)


@bp.get("")
@role_required(Role.MANAGER)
def index() -> tuple[str, int] | str:
    """Cards, the chosen kind's series and breakdown; bad filters get the reasons, 422."""
    now = utcnow()
    try:
        args = read_query(DashboardQuery)
    except InvalidInput as error:
        return _refused_filters(error)
    page = dashboard(args.kind, args.period(now), now, **args.options(), support_by=args.support_by)
    people = people_sections(page.period)
    questions = choice_questions(args.kind)
    chosen = next((q for q in questions if q.id == args.question), None)
    if chosen is None and questions:
        chosen = questions[0]
    name, bounds = HEADLINE[args.kind]
    cards = [
        *page.cards,
        *page.support,
        *page.followups,
        *people.retention_cards,
        *people.utilization_cards,
    ]
    targets = card_targets(cards, now.date())
    lines = reference_lines()
    names = series_names(page.report, now.date())
    chart = line_chart(
        [(n, line.figures[name]) for n, line in zip(names, page.report.series, strict=True)],
        bounds,
        lambda value: format_value(value, FIGURE_UNITS[name]),
        chart_marks(
            targets.get(name), [line for line in lines if line.kpi == name], FIGURE_UNITS[name]
        ),
    )
    filters = {
        "kind": args.kind.value,
        "since": str(page.period.since),
        "until": str(page.period.until),
        "interval": page.report.interval or "",
        "group_by": page.report.group_by or "",
        "support_by": page.support_groups.group_by.value,
        "property": page.report.property_name or "",
    }
    return render_template(
        "dashboard/index.html",
        errors={},
        filters=filters,
        **FILTER_CHOICES,
        property_names=segments.known_names(),
        page=page,
        report=page.report,
        headline=name,
        chart=chart,
        series_names=names,
        min_n=min_n(),
        support_columns=SUPPORT_COLUMNS,
        support_labels=SUPPORT_LABELS,
        people=people,
        targets=targets,
        references=lines,
        cards_by_name={c.name: c for c in cards},
        format_reference=format_reference,
        kpis=KPIS,
        choice_questions=questions,
        by_answer=None if chosen is None else choice_breakdown(chosen, page.period),
        flag_of=flag_of,
        flag_labels=FLAG_LABELS,
        utilization_floor=floor(),
        overwork_above=OVERWORK_ABOVE,
        **HELPERS,
    )


def filter_args() -> dict[str, str]:
    """The query string without its empty fields: a filter form's "Any" does not filter."""
    return {key: value for key, value in request.args.items() if value}


def bucket_choices(kind: str | None) -> list[tuple[str, str]]:
    """The bucket filter's choices: the chosen kind's buckets as it names them (a CES answer
    is easy or difficult), else each bucket named for every kind it covers."""
    if kind not in {k.value for k in SurveyKind}:
        return list(BUCKET_CHOICES)
    chosen = SurveyKind(kind)
    return [(b.value, bucket_label(b, chosen).capitalize()) for b in BUCKETS_BY_KIND[chosen]]


def responses_page(values: dict[str, str], errors: dict[str, str], **listing: Any) -> str:
    """The responses page with its filter form showing ``values``, and the listing or, with
    ``errors``, what is wrong with which filter."""
    teams, agents = teams_and_agents()
    choices = {
        "kind": [ANY, *((k.value, k.value.upper()) for k in SurveyKind)],
        "survey": [ANY, *((str(i), name) for i, name in survey_names())],
        "bucket": [ANY, *bucket_choices(values.get("kind"))],
        "has_comment": [ANY, ("yes", "With a comment"), ("no", "Without a comment")],
        "channel": [ANY, (NONE, "No channel"), *((c, c) for c in labels_in_use())],
        "team": [ANY, (NONE, "No team"), *((str(i), name) for i, name in teams)],
        "agent": [ANY, (NONE, "No agent"), *((str(i), name) for i, name in agents)],
    }
    return render_template(
        "dashboard/responses.html",
        values=values,
        errors=errors,
        choices=choices,
        labels=RESPONSE_FILTER_LABELS,
        **listing,
    )


@bp.get("/responses")
@role_required(Role.MANAGER)
def responses() -> tuple[str, int] | str:
    """The responses behind a figure, or as filtered and searched here, newest first, a page
    at a time; bad filters are named, the others kept, 422."""
    args = filter_args()
    try:
        where = read_query(ResponseFilterQuery, args).where(utcnow())
    except InvalidInput as error:
        return responses_page(args, error.errors), 422
    page = page_of(drill_down_query(where))
    period = {"since": where.period.since.isoformat(), "until": where.period.until.isoformat()}
    return responses_page(
        {**args, **period},
        {},
        where=where,
        page=page,
        cases=case_ids(page.items),
        delighted=from_delighted(response.id for response in page.items),
        page_url_args=page_url_args,
        theme=db.session.get(Theme, where.theme_id) if where.theme_id else None,
        pinned=db.session.get(PinnedTheme, where.pinned_id) if where.pinned_id else None,
    )


@bp.get("/interactions")
@role_required(Role.MANAGER)
def interactions() -> tuple[str, int] | str:
    """The interactions behind a support figure, latest first, a page at a time; an empty
    filter field does not filter."""
    args = filter_args()
    teams, agents = teams_and_agents()
    choices = {
        "figures": SUPPORT_FIGURE_LABELS,
        "channels": labels_in_use(),
        "teams": teams,
        "agents": agents,
        "filter_labels": INTERACTION_FILTER_LABELS,
    }
    try:
        where = read_query(InteractionFilterQuery, args).where(utcnow())
    except InvalidInput as error:
        typed = {**_defaults_of(InteractionFilterQuery), **args}
        return render_template(
            "dashboard/interactions.html", errors=error.errors, filters=typed, **choices
        ), 422
    page = page_of(interaction_query(where))
    filters = {
        "figure": where.figure.value,
        "since": str(where.period.since),
        "until": str(where.period.until),
        "channel": where.channel or "",
        "team": where.team or "",
        "agent": where.agent or "",
    }
    return render_template(
        "dashboard/interactions.html",
        errors={},
        filters=filters,
        where=where,
        page=page,
        lines=interaction_lines(page.items),
        page_url_args=page_url_args,
        format_duration=format_duration,
        **choices,
    )


#: The columns of the responses export: the API's fields, in this order.
RESPONSE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "kind",
    "survey_id",
    "score",
    "bucket",
    "comment",
    "channel",
    "team",
    "agent_email",
    "customer_email",
    "interaction_external_id",
)


@bp.get("/export/responses.csv")
@role_required(Role.MANAGER)
def export_responses() -> WerkzeugResponse | tuple[str, int]:
    """The responses the page lists, with the same filters, as CSV, streamed."""
    args = filter_args()
    try:
        where = read_query(ResponseFilterQuery, args).where(utcnow())
    except InvalidInput as error:
        return responses_page(args, error.errors), 422
    questions = questions_of(where.kind, where.survey_id)
    rows = (
        [
            *(
                _csv_value(response_payload(response, answers), column)
                for column in RESPONSE_COLUMNS
            ),
            *answer_cells(questions, answers),
        ]
        for response, answers in with_answers(iter_responses(where))
    )
    header = [*RESPONSE_COLUMNS, *map(question_heading, questions)]
    period = where.period
    return stream_csv(f"responses-{period.since}-{period.until}.csv", header, rows)


def _csv_value(payload: dict[str, Any], column: str) -> Any:
    """The API's field as the export shows it: a CES bucket reads as effort."""
    if column == "bucket":
        return bucket_label(Bucket(payload["bucket"]), SurveyKind(payload["kind"]))
    return payload[column]


@bp.get("/export/kpis.csv")
@role_required(Role.MANAGER)
def export_kpis() -> WerkzeugResponse | tuple[str, int]:
    """The page's score tables (overall, previous period, series, breakdown) as CSV."""
    try:
        args = read_query(DashboardQuery)
    except InvalidInput as error:
        return _refused_filters(error)
    period = args.period(utcnow())
    report = score_report(args.kind, period, **args.options())
    return stream_csv(
        f"kpis-{args.kind.value}-{period.since}-{period.until}.csv",
        ["table", "key", "label", "figure", "value", "n", "low", "high", "margin", "low_sample"],
        _kpi_rows(report),
    )


def _kpi_rows(report: ScoreReport) -> Iterator[list[Any]]:
    period = f"{report.period.since}/{report.period.until}"
    tables: list[tuple[str, str, str, dict[str, Estimate]]] = [
        ("overall", period, "This period", report.figures),
        ("overall", "previous", "Previous period", report.previous),
    ]
    tables += [("series", line.key, line.label, line.figures) for line in report.series]
    tables += [("group", line.key, line.label, line.figures) for line in report.groups]
    for table, key, label, figures in tables:
        for name, estimate in figures.items():
            data = estimate_data(estimate)
            yield [
                table,
                key,
                label,
                name,
                *(data[k] for k in ("value", "n", "low", "high", "margin", "low_sample")),
            ]
