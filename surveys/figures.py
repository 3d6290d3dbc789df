"""Figures written as people write them: "82.5%", "± 3.1 pts", "no change", "3 h 20 min".

One place for the words of a figure, so that the dashboard, the agents' page, the targets and
the emailed reviews say the same number the same way."""

from __future__ import annotations

from surveys.metrics import Estimate, change
from surveys.references import Reference
from surveys.retention import Difference


def interval_of(estimate: Estimate) -> tuple[float, float] | None:
    """The interval worth drawing or writing: none when the formula gives a zero width (every
    answer alike in a tiny sample), which would claim a certainty the sample does not have."""
    if estimate.low is None or estimate.high is None or estimate.high <= estimate.low:
        return None
    return estimate.low, estimate.high


def format_value(value: float | None, unit: str) -> str:
    """A figure as the page shows it; ``None`` is "No data", never 0."""
    if value is None:
        return "No data"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "points":
        return f"{value:.1f}"
    if unit == "mean":
        return f"{value:.2f}"
    if unit == "duration":
        return format_duration(value)
    return f"{value:,.0f}"


def format_duration(seconds: float) -> str:
    """Seconds as the largest two units that matter: "45 s", "12 min", "3 h 20 min", "2 d 4 h";
    a second unit of zero is left out ("1 h", not "1 h 0 min")."""
    whole = round(abs(seconds))
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days} d {hours} h" if hours else f"{sign}{days} d"
    if hours:
        return f"{sign}{hours} h {minutes} min" if minutes else f"{sign}{hours} h"
    if minutes:
        return f"{sign}{minutes} min"
    return f"{sign}{secs} s"


def format_change(current: Estimate, previous: Estimate, unit: str) -> str:
    """The change against the previous period, signed ("no change" when it rounds to none,
    rather than "+0 s"); percentages move in points."""
    delta = change(current, previous)
    if delta is None:
        return "no comparison"
    written = format_signed(delta, unit)
    return "no change" if written[1:] == format_signed(0.0, unit)[1:] else written


def format_signed(value: float, unit: str) -> str:
    """A change or a gap, signed, in the figure's unit; percentages move in points."""
    sign = "+" if value >= 0 else "-"
    if unit == "duration":
        return sign + format_duration(abs(value))
    if unit == "percent":
        return f"{sign}{abs(value):.1f} pts"
    return sign + format_value(abs(value), unit)


def format_difference(difference: Difference, unit: str) -> str:
    """A change's 95% interval, e.g. "+1.2 pts to +5.3 pts"."""
    return f"{format_signed(difference.low, unit)} to {format_signed(difference.high, unit)}"


def format_margin(estimate: Estimate, unit: str) -> str:
    """The interval as "± half-width" in the figure's own unit, or empty when there is none
    worth writing (see ``interval_of``: never "± 0.0")."""
    interval = interval_of(estimate)
    if interval is None:
        return ""
    low, high = interval
    if unit == "duration":
        return f"{format_duration(low)} to {format_duration(high)}"
    text = format_value((high - low) / 2, unit)
    return "± " + (text.rstrip("%") + " pts" if unit == "percent" else text)


def format_reference(line: Reference, unit: str) -> str:
    """A reference line's published value or range, in the figure's unit."""
    low = format_value(line.low, unit)
    return f"{low} to {format_value(line.high, unit)}" if line.is_range else low
