"""Agent utilization: the share of their shifts that agents were logged in.

Utilization % = logged-in seconds / shift seconds x 100, summed over the agent-days of a
period (an agent's, a team's or everyone's): a ratio of totals, so a long shift weighs more
than a short one. It measures all the time posted rather than a sample of it, so it has no
interval and is never a low sample; its n is the number of agent-days. Above
``OVERWORK_ABOVE`` an agent or team is flagged as overworked, below the floor set in
settings as under-used.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from surveys.metrics import Estimate

#: Utilization above this % is flagged as overwork.
OVERWORK_ABOVE = 90.0


class UtilizationFlag(enum.StrEnum):
    OVERWORK = "overwork"
    BELOW_FLOOR = "below_floor"


@dataclass(frozen=True)
class TimeTally:
    """Agent-days summed: how many, and their shift and logged-in seconds."""

    days: int = 0
    shift_seconds: int = 0
    logged_in_seconds: int = 0

    def __add__(self, other: TimeTally) -> TimeTally:
        return TimeTally(
            self.days + other.days,
            self.shift_seconds + other.shift_seconds,
            self.logged_in_seconds + other.logged_in_seconds,
        )


def tally_days(days: Iterable[tuple[int, int]]) -> TimeTally:
    """The tally of (shift seconds, logged-in seconds) pairs, one per agent-day."""
    total = TimeTally()
    for shift, logged_in in days:
        total += TimeTally(1, shift, logged_in)
    return total


def utilization(t: TimeTally) -> Estimate:
    """Utilization % = logged-in seconds / shift seconds x 100; no data without shift time."""
    if t.shift_seconds <= 0:
        return Estimate(None, t.days, min_n=0)
    return Estimate(100 * t.logged_in_seconds / t.shift_seconds, t.days, min_n=0)


def utilization_flag(figure: Estimate, floor: float) -> UtilizationFlag | None:
    """Overwork above ``OVERWORK_ABOVE``, below the floor under ``floor``, else None."""
    if figure.value is None:
        return None
    if figure.value > OVERWORK_ABOVE:
        return UtilizationFlag.OVERWORK
    if figure.value < floor:
        return UtilizationFlag.BELOW_FLOOR
    return None


def utilization_figures(t: TimeTally) -> dict[str, Estimate]:
    """Utilization and the totals behind it (seconds, counted over the agent-days), by name."""
    return {
        "utilization": utilization(t),
        "shift_time": Estimate(float(t.shift_seconds), t.days, min_n=0),
        "logged_in_time": Estimate(float(t.logged_in_seconds), t.days, min_n=0),
    }
