"""The reviews' chart: each headline figure's trend as a PNG, drawn by matplotlib (Agg).

matplotlib is imported when a chart is drawn, in the worker's review job, so that no other
process pays for it at start-up. The figure is built on its own canvas, not through pyplot,
so two jobs drawing at once share no state.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from surveys.metrics import Estimate

#: Pixels: 600 wide, the width of the emails' content; each panel 200 high.
DPI = 100
WIDTH_INCHES = 6.0
PANEL_INCHES = 2.0
#: matplotlib's default blue, readable on white; the interval bars share it.
COLOUR = "#1f77b4"


@dataclass(frozen=True)
class Panel:
    """One figure's trend: its title, the unit it is drawn in, and a value per period."""

    title: str
    #: ``percent``, ``points``, ``mean`` or ``duration`` (drawn in minutes).
    unit: str
    points: Sequence[tuple[str, Estimate]]


def _scaled(value: float | None, unit: str) -> float:
    if value is None:
        return math.nan
    return value / 60 if unit == "duration" else value


def _gap(upper: float | None, lower: float | None, unit: str) -> float:
    """The length of an interval bar's half in the chart's unit (0 where there is none)."""
    if upper is None or lower is None:
        return 0.0
    return _scaled(upper, unit) - _scaled(lower, unit)


def trend_png(panels: Sequence[Panel]) -> bytes:
    """The panels one above the other, each a line with its 95% intervals, as PNG bytes.

    Periods without data leave a gap. The targets of a figure, when there are some, are to be
    drawn in its panel (a horizontal line at the goal).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, PANEL_INCHES * len(panels)), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(panels), 1, squeeze=False)
    for row, panel in zip(axes, panels, strict=True):
        ax = row[0]
        values, below, above = [], [], []
        for _, estimate in panel.points:
            values.append(_scaled(estimate.value, panel.unit))
            below.append(_gap(estimate.value, estimate.low, panel.unit))
            above.append(_gap(estimate.high, estimate.value, panel.unit))
        positions = list(range(len(values)))
        ax.errorbar(positions, values, yerr=[below, above], color=COLOUR, marker="o", capsize=3)
        ax.set_title(panel.title + (" (minutes)" if panel.unit == "duration" else ""), fontsize=10)
        ax.set_xticks(positions, [label for label, _ in panel.points], fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", color="#e3e5e8")
        ax.set_xlim(-0.5, len(values) - 0.5)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
