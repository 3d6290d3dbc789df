"""Goals for the KPIs: which figures can have one, and whether a figure has reached it.

A target is a value a KPI should reach by a deadline, overall or for one team. Its state
compares the figure's 95% interval with it, the right way round for the KPI (a higher CSAT
is better, a shorter handle time is):

- ``met``: the whole interval is on the good side of the target (or at it);
- ``missed``: the whole interval is on the bad side;
- ``not yet distinguishable``: the interval straddles the target, or the figure has no
  interval yet (one observation): at 95% the data cannot tell.

A figure measured in full rather than sampled (utilization is all the time posted) has no
interval and is compared as it is.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date

from surveys.metrics import Estimate


class Direction(enum.StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class TargetState(enum.StrEnum):
    MET = "met"
    MISSED = "missed"
    UNDISTINGUISHABLE = "not yet distinguishable"


@dataclass(frozen=True)
class Kpi:
    """A figure a target can be set for: its label, unit, the better direction, its scale."""

    label: str
    #: As the dashboard shows it: ``percent``, ``points``, ``mean`` or ``duration``.
    unit: str
    better: Direction
    scale: tuple[float, float]
    #: It has a figure per team, so a target may be set for one team.
    per_team: bool = True
    #: Measured in full (no sample, no interval): compared with the target as it is.
    in_full: bool = False


PERCENT = (0.0, 100.0)
DURATION = (0.0, math.inf)

#: Every KPI a target can be set for, by the name the dashboard and the API give it.
KPIS: dict[str, Kpi] = {
    "csat": Kpi("CSAT", "percent", Direction.HIGHER, PERCENT),
    "nps": Kpi("NPS", "points", Direction.HIGHER, (-100.0, 100.0)),
    "ces": Kpi("CES (mean, 1-7)", "mean", Direction.HIGHER, (1.0, 7.0)),
    "ces_easy": Kpi("CES % easy", "percent", Direction.HIGHER, PERCENT),
    "response_rate": Kpi("Response rate", "percent", Direction.HIGHER, PERCENT, per_team=False),
    "fcr": Kpi("First contact resolution", "percent", Direction.HIGHER, PERCENT),
    "abandonment": Kpi("Abandonment rate", "percent", Direction.LOWER, PERCENT),
    "handle_time": Kpi("Average handle time", "duration", Direction.LOWER, DURATION),
    "resolution_median": Kpi("Time to resolution (median)", "duration", Direction.LOWER, DURATION),
    "resolution_mean": Kpi("Time to resolution (mean)", "duration", Direction.LOWER, DURATION),
    "first_response_median": Kpi(
        "First response time (median)", "duration", Direction.LOWER, DURATION
    ),
    "first_response_mean": Kpi("First response time (mean)", "duration", Direction.LOWER, DURATION),
    "retention": Kpi("Retention rate", "percent", Direction.HIGHER, PERCENT, per_team=False),
    "utilization": Kpi("Agent utilization", "percent", Direction.HIGHER, PERCENT, in_full=True),
}


class InvalidTarget(ValueError):
    """A target that cannot be kept, with the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_value(kpi: str, value: float) -> Kpi:
    """The KPI named ``kpi``, if ``value`` is on its scale; else InvalidTarget."""
    spec = KPIS.get(kpi)
    if spec is None:
        raise InvalidTarget("kpi", "must be one of " + ", ".join(KPIS))
    low, high = spec.scale
    if not (math.isfinite(value) and low <= value <= high):
        span = f"at least {low:g}" if math.isinf(high) else f"between {low:g} and {high:g}"
        raise InvalidTarget("value", f"must be {span} for {spec.label}")
    return spec


def check_team(spec: Kpi) -> None:
    """Refuses a team's target for a KPI with no figure per team."""
    if not spec.per_team:
        raise InvalidTarget("team", f"{spec.label} has no figure per team: leave it empty")


def check_deadline(deadline: date, today: date) -> None:
    if deadline < today:
        raise InvalidTarget("deadline", "must not be in the past")


def check_target(kpi: str, value: float, deadline: date, today: date, team: bool) -> Kpi:
    """The KPI of a target worth keeping; InvalidTarget names the first field at fault."""
    spec = check_value(kpi, value)
    if team:
        check_team(spec)
    check_deadline(deadline, today)
    return spec


def target_state(figure: Estimate, goal: float, kpi: Kpi) -> TargetState | None:
    """Where ``figure`` stands against ``goal`` at 95% (see the module); None with no data."""
    if figure.value is None:
        return None
    if figure.low is None or figure.high is None:
        if not kpi.in_full:
            return TargetState.UNDISTINGUISHABLE
        low = high = figure.value
    else:
        low, high = figure.low, figure.high
    if kpi.better is Direction.LOWER:
        low, high, goal = -high, -low, -goal
    if low >= goal:
        return TargetState.MET
    if high < goal:
        return TargetState.MISSED
    return TargetState.UNDISTINGUISHABLE


def weekly_move(
    figure: Estimate, goal: float, kpi: Kpi, today: date, deadline: date
) -> float | None:
    """How far the figure must move each week, from ``today`` to ``deadline``, to reach
    ``goal``: (goal - figure) / weeks left, signed; 0 once the figure is at or past it.
    None with no data, or when the deadline is today or past (no weeks are left)."""
    if figure.value is None or deadline <= today:
        return None
    gap = goal - figure.value
    if (gap <= 0) if kpi.better is Direction.HIGHER else (gap >= 0):
        return 0.0
    return gap / ((deadline - today).days / 7)
