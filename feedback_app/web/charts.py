"""Server-rendered SVG charts: geometry computed here, drawn by ``dashboard/_chart.html``.

No JavaScript and no CDN: the chart works offline and in any browser, and the page puts
the same numbers in a table beside it for screen readers and keyboard users.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from surveys.metrics import Estimate

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
#: At most this many x-axis labels, so they never overlap.
MAX_X_LABELS = 12


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    #: The interval's ends in chart coordinates, when the figure has one.
    y_low: float | None
    y_high: float | None
    label: str
    text: str
    low_sample: bool


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
    width: int
    height: int
    left: int
    right: int
    bottom: int
    points: list[Point]
    #: Runs of consecutive points with data, as SVG polyline ``points`` strings.
    lines: list[str]
    y_ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    #: The y coordinate of zero, drawn as a baseline when zero is inside the scale.
    zero: float | None
    #: Targets and reference lines, clipped to the scale.
    marks: list[DrawnMark] = field(default_factory=list)


def line_chart(
    values: Sequence[tuple[str, Estimate]],
    bounds: tuple[float, float],
    value_text: Callable[[float], str],
    marks: Sequence[Mark] = (),
) -> Chart:
    """A line chart of ``values`` (label, estimate) on the fixed scale ``bounds``, with
    ``marks`` (a target, reference lines) drawn across it.

    A fixed scale (0-100 for percentages, -100 to 100 for NPS) keeps small moves small.
    Periods with no data leave a gap in the line; their labels remain on the axis.
    """
    low, high = bounds
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(values) - 1) if len(values) > 1 else 0.0

    def y_of(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    def clip(value: float) -> float:
        return min(high, max(low, value))

    points, lines, run = [], [], []
    for index, (label, estimate) in enumerate(values):
        x = LEFT + (step * index if len(values) > 1 else plot_w / 2)
        if estimate.value is None:
            if run:
                lines.append(" ".join(run))
            run = []
            continue
        point = Point(
            x=x,
            y=y_of(estimate.value),
            y_low=None if estimate.low is None else y_of(estimate.low),
            y_high=None if estimate.high is None else y_of(estimate.high),
            label=label,
            text=value_text(estimate.value),
            low_sample=estimate.low_sample,
        )
        points.append(point)
        run.append(f"{point.x:.1f},{point.y:.1f}")
    if run:
        lines.append(" ".join(run))
    every = max(1, -(-len(values) // MAX_X_LABELS))
    x_labels = [
        (LEFT + (step * i if len(values) > 1 else plot_w / 2), label)
        for i, (label, _) in enumerate(values)
        if i % every == 0
    ]
    ticks = [low + (high - low) * i / 4 for i in range(5)]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        bottom=TOP + plot_h,
        points=points,
        lines=lines,
        y_ticks=[(y_of(t), f"{t:g}") for t in ticks],
        x_labels=x_labels,
        zero=y_of(0) if low < 0 < high else None,
        marks=[
            DrawnMark(m, y_of(clip(m.value)), y_of(clip(m.value if m.high is None else m.high)))
            for m in marks
        ],
    )
