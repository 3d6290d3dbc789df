"""A target is met, missed or not yet distinguishable by where the figure's 95% interval
lies, the right way round for the KPI; and the move a week it needs by the deadline."""

from __future__ import annotations

from datetime import date

import pytest

from surveys.metrics import Estimate
from surveys.targets import (
    KPIS,
    InvalidTarget,
    TargetState,
    check_target,
    target_state,
    weekly_move,
)

CSAT, HANDLE, UTILIZATION = KPIS["csat"], KPIS["handle_time"], KPIS["utilization"]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (80.0, 90.0, TargetState.MET),  # the interval starts at the target
        (79.99, 90.0, TargetState.UNDISTINGUISHABLE),  # just below it: straddles
        (70.0, 79.99, TargetState.MISSED),  # wholly below
        (70.0, 80.0, TargetState.UNDISTINGUISHABLE),  # ends at it
    ],
)
def test_higher_is_better(low: float, high: float, expected: TargetState) -> None:
    figure = Estimate((low + high) / 2, 200, low, high)
    assert target_state(figure, 80.0, CSAT) is expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (240.0, 300.0, TargetState.MET),  # at or under 300 s all through
        (240.0, 300.5, TargetState.UNDISTINGUISHABLE),
        (300.5, 360.0, TargetState.MISSED),  # a shorter handle time is better
        (300.0, 360.0, TargetState.UNDISTINGUISHABLE),
    ],
)
def test_lower_is_better(low: float, high: float, expected: TargetState) -> None:
    figure = Estimate((low + high) / 2, 200, low, high)
    assert target_state(figure, 300.0, HANDLE) is expected


def test_no_data_no_interval_and_figures_measured_in_full() -> None:
    assert target_state(Estimate(None, 0), 80.0, CSAT) is None
    # One observation has no interval: the data cannot tell yet.
    assert target_state(Estimate(95.0, 1), 80.0, CSAT) is TargetState.UNDISTINGUISHABLE
    # Utilization is all the time posted, not a sample: compared as it is.
    assert target_state(Estimate(80.0, 5, min_n=0), 80.0, UTILIZATION) is TargetState.MET
    assert target_state(Estimate(79.9, 5, min_n=0), 80.0, UTILIZATION) is TargetState.MISSED


def test_weekly_move_to_reach_the_target_by_the_deadline() -> None:
    today = date(2026, 3, 2)
    # 72% to 80% in 4 weeks: +2 points a week.
    assert weekly_move(Estimate(72.0, 100), 80.0, CSAT, today, date(2026, 3, 30)) == 2.0
    # 420 s to 300 s in 2 weeks: -60 s a week.
    assert weekly_move(Estimate(420.0, 50), 300.0, HANDLE, today, date(2026, 3, 16)) == -60.0
    assert weekly_move(Estimate(85.0, 100), 80.0, CSAT, today, date(2026, 3, 30)) == 0.0
    assert weekly_move(Estimate(72.0, 100), 80.0, CSAT, today, today) is None
    assert weekly_move(Estimate(None, 0), 80.0, CSAT, today, date(2026, 3, 30)) is None


@pytest.mark.parametrize(
    ("kpi", "value", "deadline", "team", "field", "message"),
    [
        ("speed", 1.0, date(2026, 4, 1), False, "kpi", "must be one of csat, nps"),
        ("csat", 101.0, date(2026, 4, 1), False, "value", "must be between 0 and 100 for CSAT"),
        ("nps", -101.0, date(2026, 4, 1), False, "value", "must be between -100 and 100 for NPS"),
        ("handle_time", -1.0, date(2026, 4, 1), False, "value", "must be at least 0 for"),
        ("csat", 80.0, date(2026, 3, 1), False, "deadline", "must not be in the past"),
        (
            "retention",
            80.0,
            date(2026, 4, 1),
            True,
            "team",
            "Retention rate has no figure per team",
        ),
    ],
)
def test_refusals_name_the_field(
    kpi: str, value: float, deadline: date, team: bool, field: str, message: str
) -> None:
    with pytest.raises(InvalidTarget) as raised:
        check_target(kpi, value, deadline, date(2026, 3, 2), team)
    assert raised.value.field == field
    assert raised.value.message.startswith(message)
