"""``/v1/metrics``: the NPS figures over a range of instants."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from feedback_app.delighted.api import route
from feedback_app.delighted.metrics_service import nps_figures
from feedback_app.delighted.values import UnixTime
from feedback_app.models import ApiScope
from feedback_app.web.inputs import Input, WholeNumber


class MetricsQuery(Input):
    invalid_message = "invalid parameters"

    since: Annotated[datetime | None, UnixTime()] = None
    until: Annotated[datetime | None, UnixTime()] = None
    trend: Annotated[
        int | None, WholeNumber(1), Field(description="A survey's id: its answers only.")
    ] = None


class MetricsOut(TypedDict):
    """Null figures when there is no answer in the range."""

    nps: int | None
    promoter_count: int
    promoter_percent: int | None
    passive_count: int
    passive_percent: int | None
    detractor_count: int
    detractor_percent: int | None
    response_count: int


@route("GET", "/metrics", scope=ApiScope.READ, query=MetricsQuery, answers={200: MetricsOut})
def metrics(query: MetricsQuery) -> MetricsOut:
    """NPS, and the promoters, passives and detractors, of the answers in a range.

    `since` and `until` are Unix seconds, both included; without either, the 30 days up to
    the latest answer.
    """
    figures = nps_figures(query.since, query.until, query.trend)
    return MetricsOut(**dataclasses.asdict(figures))  # type: ignore[typeddict-item]
