"""Reports of the figures that are not survey scores (support, retention, utilization), in
one shape: the period's figures and the previous period's, a series and a breakdown; and the
support figures in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from feedback_app.services.metrics import Interval, Line, Period, min_n, support_lines
from feedback_app.services.support.figures import (
    SupportGroupBy,
    support_report,
    support_series,
)
from surveys.metrics import Estimate
from surveys.retention import Difference
from surveys.scope import Scope


@dataclass(frozen=True)
class GroupDifference:
    """One breakdown line's figure minus another's, with its 95% interval (None: a line
    has no data)."""

    figure: str
    key: str
    other: str
    difference: Difference | None


@dataclass(frozen=True)
class KpiReport:
    period: Period
    figures: dict[str, Estimate]
    previous: dict[str, Estimate]
    interval: Interval | None = None
    #: The breakdown's name (``channel``, ``team``, ``nps_bucket``…), None for none.
    group_by: str | None = None
    property_name: str | None = None
    series: list[Line] = field(default_factory=list)
    groups: list[Line] = field(default_factory=list)
    differences: list[GroupDifference] = field(default_factory=list)
    #: The breakdown was read from the rows (a property not declared as a segment).
    from_rows: bool = False


def support_kpi_report(
    period: Period,
    *,
    interval: Interval | None = None,
    group_by: SupportGroupBy | None = None,
    property_name: str | None = None,
    scope: Scope | None = None,
) -> KpiReport:
    """The support figures of ``period`` and the one before, by ``interval`` and broken
    down by ``group_by``: the dashboard's support cards and table; ``scope``'s figures (one
    team's or agent's) when given."""
    current, lines = support_lines(period, group_by, property_name, scope)
    previous = period.previous
    before = support_report(previous.since, previous.until, min_n=min_n(), scope=scope)
    parts = period.split(interval) if interval else []
    starts = [part.since for part in parts]
    series = [
        Line(part.since.isoformat(), part.label(interval), figures, {})
        for part, figures in zip(
            parts,
            support_series(starts, period.until, min_n(), scope) if parts else [],
            strict=True,
        )
    ]
    return KpiReport(
        period=period,
        figures=current.figures,
        previous=before.figures,
        interval=interval,
        group_by=group_by.value if group_by else None,
        property_name=property_name,
        series=series,
        groups=lines.lines,
        from_rows=lines.from_rows,
    )
