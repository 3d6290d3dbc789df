"""Utilization and its flags on hand-computed data."""

from __future__ import annotations

import pytest

from surveys.metrics import Estimate
from surveys.utilization import (
    TimeTally,
    UtilizationFlag,
    tally_days,
    utilization,
    utilization_figures,
    utilization_flag,
)


def test_a_ratio_of_totals_so_long_shifts_weigh_more() -> None:
    # 7 h of 8 and 2 h of 4: 9 / 12 = 75%, not the mean of 87.5% and 50%.
    t = tally_days([(8 * 3600, 7 * 3600), (4 * 3600, 2 * 3600)])
    assert t == TimeTally(2, 12 * 3600, 9 * 3600)
    figure = utilization(t)
    assert (figure.value, figure.n, figure.low, figure.high, figure.low_sample) == (
        75.0,
        2,
        None,
        None,
        False,
    )
    figures = utilization_figures(t)
    assert (figures["shift_time"].value, figures["logged_in_time"].value) == (43200.0, 32400.0)


def test_no_day_one_day_and_a_day_without_shift_time() -> None:
    assert utilization(tally_days([])).value is None
    assert utilization(tally_days([(0, 600)])) == Estimate(None, 1, min_n=0)
    assert utilization(tally_days([(28800, 28800)])).value == 100.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (90.0, None),
        (90.01, UtilizationFlag.OVERWORK),
        (120.0, UtilizationFlag.OVERWORK),
        (70.0, None),
        (69.99, UtilizationFlag.BELOW_FLOOR),
        (0.0, UtilizationFlag.BELOW_FLOOR),
        (None, None),
    ],
)
def test_flags_at_both_sides_of_each_threshold(
    value: float | None, expected: UtilizationFlag | None
) -> None:
    assert utilization_flag(Estimate(value, 1, min_n=0), floor=70) is expected
