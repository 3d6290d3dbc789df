"""Server-rendered SVG charts: geometry computed here, drawn by ``dashboard/_chart.html``.

No JavaScript and no CDN: the chart works offline and in any browser, and the page puts
the same numbers in a table beside it for screen readers and keyboard users.

The plot is as wide as the page and a fixed height: x positions are percentages of its width
and y positions pixels, so the text is never scaled down (12 px tick labels on a phone as on
a desktop). Lines and bands are drawn in a stretched inner SVG whose strokes do not scale.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from feedback_app.services.metrics import Interval
from surveys.figures import interval_of
from surveys.metrics import Estimate

HEIGHT, TOP, BOTTOM = 260, 12, 36
#: The plot's first and last points sit this far (percent of its width) from its edges, so
#: their markers are whole.
X_PAD = 2.0
#: The inner SVG's width in its own units; 10 units are 1% of the plot's width.
UNITS = 1000
SCALE = UNITS / 100
#: At most this many x-axis labels on a wide screen, and half as many on a phone.
MAX_X_LABELS = 12


@dataclass(frozen=True)
class PeriodName:
    """How the page names a period of a series: a short axis label and a full one."""

    tick: str
    full: str
    #: The period is cut short by the report's start or end, or has not ended yet.
    partial: bool


def period_name(since: date, until: date, interval: Interval, today: date) -> PeriodName:
    """``2 Feb`` / ``Week of 2 Feb 2026`` / ``Feb 2026``, with partial periods marked."""
    if interval is Interval.DAY:
        tick, full, days = f"{since.day} {since:%b}", f"{since.day} {since:%b %Y}", 1
    elif interval is Interval.WEEK:
        start = date.fromordinal(since.toordinal() - since.weekday())
        tick, full, days = f"{start.day} {start:%b}", f"Week of {start.day} {start:%b %Y}", 7
    else:
        tick, full = f"{since:%b}", f"{since:%B %Y}"
        days = calendar.monthrange(since.year, since.month)[1]
    partial = (until - since).days + 1 < days or until >= today
    return PeriodName(tick, full + (" (partial)" if partial else ""), partial)


@dataclass(frozen=True)
class Point:
    #: Percent of the plot's width.
    x: float
    y: float
    label: str
    text: str
    low_sample: bool
    partial: bool


@dataclass(frozen=True)
class Segment:
    """A stretch of line between two points in the inner SVG's units; dashed into or out of
    a partial period."""

    x1: float
    y1: float
    x2: float
    y2: float
    partial: bool


@dataclass(frozen=True)
class Mark:
    """A level drawn across the chart: a target, or a reference line (a band when it is a
    range from ``value`` to ``high``)."""

    value: float
    caption: str
    #: ``target`` or ``reference``: how it is drawn.
    kind: str
    high: float | None = None


@dataclass(frozen=True)
class DrawnMark:
    mark: Mark
    #: The level's y coordinate; for a band, the top (``high``) and bottom (``value``) edges.
    y: float
    y_top: float


@dataclass(frozen=True)
class Chart:
    height: int
    units: int
    top: int
    bottom: int
    points: list[Point]
    segments: list[Segment]
    #: The 95% intervals of consecutive points as SVG polygon ``points`` strings.
    bands: list[str]
    #: Intervals of points with no neighbour in a band: (x percent, y low, y high).
    whiskers: list[tuple[float, float, float]]
    y_ticks: list[tuple[float, str]]
    #: (x percent, label, anchor, shown on a phone too: every other one, ending with the last).
    x_labels: list[tuple[float, str, str, bool]]
    #: The y coordinate of zero, drawn as a baseline when zero is inside the scale.
    zero: float | None
    #: Some period is partial, so the legend explains the dashes.
    any_partial: bool
    #: Targets and reference lines, clipped to the scale.
    marks: list[DrawnMark] = field(default_factory=list)


def line_chart(
    values: Sequence[tuple[PeriodName, Estimate]],
    bounds: tuple[float, float],
    value_text: Callable[[float], str],
    marks: Sequence[Mark] = (),
) -> Chart:
    """A line chart of ``values`` (period, estimate) on the fixed scale ``bounds``, with
    ``marks`` (a target, reference lines) drawn across it.

    A fixed scale (0-100 for percentages, -100 to 100 for NPS) keeps small moves small.
    Periods with no data leave a gap in the line and the band; their labels remain.
    """
    low, high = bounds
    plot_h = HEIGHT - TOP - BOTTOM
    count = len(values)

    def x_of(index: int) -> float:
        return X_PAD + (100 - 2 * X_PAD) * index / (count - 1) if count > 1 else 50.0

    def y_of(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    def clip(value: float) -> float:
        return min(high, max(low, value))

    points: list[Point | None] = []
    for index, (name, estimate) in enumerate(values):
        if estimate.value is None:
            points.append(None)
            continue
        points.append(
            Point(
                x=x_of(index),
                y=y_of(estimate.value),
                label=name.full,
                text=value_text(estimate.value),
                low_sample=estimate.low_sample,
                partial=name.partial,
            )
        )
    segments = [
        Segment(a.x * SCALE, a.y - TOP, b.x * SCALE, b.y - TOP, a.partial or b.partial)
        for a, b in itertools.pairwise(points)
        if a is not None and b is not None
    ]
    bands, whiskers = _bands(points, [interval_of(estimate) for _, estimate in values], y_of)
    every = max(1, -(-count // MAX_X_LABELS))
    shown = list(range(0, count, every))
    x_labels = [
        (x_of(i), values[i][0].tick, _anchor(i, count), (len(shown) - 1 - n) % 2 == 0)
        for n, i in enumerate(shown)
    ]
    ticks = [low + (high - low) * i / 4 for i in range(5)]
    return Chart(
        height=HEIGHT,
        units=UNITS,
        top=TOP,
        bottom=TOP + plot_h,
        points=[p for p in points if p is not None],
        segments=segments,
        bands=bands,
        whiskers=whiskers,
        y_ticks=[(y_of(t), f"{t:g}") for t in ticks],
        x_labels=x_labels,
        zero=y_of(0) if low < 0 < high else None,
        any_partial=any(name.partial for name, _ in values),
        marks=[
            DrawnMark(m, y_of(clip(m.value)), y_of(clip(m.value if m.high is None else m.high)))
            for m in marks
        ],
    )


def _anchor(index: int, count: int) -> str:
    """The first label starts at its point and the last ends at it, so neither is clipped."""
    if count > 1 and index == 0:
        return "start"
    if count > 1 and index == count - 1:
        return "end"
    return "middle"


def _bands(
    points: list[Point | None],
    intervals: list[tuple[float, float] | None],
    y_of: Callable[[float], float],
) -> tuple[list[str], list[tuple[float, float, float]]]:
    """Runs of consecutive points with an interval become bands; a lone one a whisker."""
    runs: list[list[tuple[float, float, float]]] = [[]]
    for point, interval in zip(points, intervals, strict=True):
        if point is None or interval is None:
            runs.append([])
            continue
        runs[-1].append((point.x, y_of(interval[1]), y_of(interval[0])))
    bands, whiskers = [], []
    for run in runs:
        if len(run) == 1:
            whiskers.append(run[0])
        elif run:
            top = [f"{x * SCALE:.1f},{y_high - TOP:.1f}" for x, y_high, _ in run]
            under = [f"{x * SCALE:.1f},{y_low - TOP:.1f}" for x, _, y_low in reversed(run)]
            bands.append(" ".join(top + under))
    return bands, whiskers
