"""GET /api/v1/themes: the kept comment themes of a selection, with counts, shares, examples."""

from __future__ import annotations

from flask import Blueprint
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.models import ApiScope
from feedback_app.themes.service import ThemeReport, theme_report
from feedback_app.web.api.answers import MaybeTime, iso
from feedback_app.web.api.operations import operation
from feedback_app.web.reports import DayText, ThemeQuery
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind

bp = Blueprint("themes", __name__)


class ExampleOut(TypedDict):
    response_id: int
    text: str


class ThemeOut(TypedDict):
    """One theme: the comments mentioning it, and the share of each contrasted bucket's
    comments that do (null when that bucket has no comments)."""

    phrase: str
    label: str
    count: int
    score: float
    shares: dict[str, float | None]
    examples: list[ExampleOut]
    pinned: bool


class ThemesOut(TypedDict):
    """The kept themes; ``computed_at`` is null and ``themes`` empty until the worker has
    computed them, ``pending`` true while it is asked to (again)."""

    kind: SurveyKind
    since: DayText
    until: DayText
    bucket: Bucket | None
    #: A channel, or ``none``.
    channel: str | None
    team: str | None
    agent: str | None
    computed_at: MaybeTime
    pending: bool
    comments: int
    comments_by_bucket: dict[str, int]
    themes: list[ThemeOut]


@operation(bp, "GET", "/themes", scope=ApiScope.READ, query=ThemeQuery, answers={200: ThemesOut})
def themes(query: ThemeQuery) -> ThemesOut:
    """The recurring phrases of a kind's comments over a period, optionally of one bucket,
    channel, team or agent (``none``: the responses without one).

    Themes are computed by the worker, not by this request: a selection not kept yet, or
    kept for over an hour, is queued and the answer says so with ``pending``.
    """
    now = utcnow()
    return themes_payload(theme_report(query.where(now), now))


def themes_payload(report: ThemeReport) -> ThemesOut:
    run = report.run
    return {
        "kind": run.kind,
        "since": run.since.isoformat(),
        "until": run.until.isoformat(),
        "bucket": run.bucket,
        "channel": run.channel,
        "team": run.team,
        "agent": run.agent,
        "computed_at": iso(run.computed_at),
        "pending": run.pending,
        "comments": run.comments,
        "comments_by_bucket": dict(run.comments_by_bucket),
        "themes": [
            {
                "phrase": line.theme.phrase,
                "label": line.theme.label,
                "count": line.theme.count,
                "score": line.theme.score,
                "shares": {bucket.value: share for bucket, share in line.shares.items()},
                "examples": [
                    {"response_id": example.response_id, "text": example.text}
                    for example in line.examples
                ],
                "pinned": line.pinned is not None,
            }
            for line in report.lines
        ],
    }
