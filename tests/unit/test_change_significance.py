"""A change against the previous period is significant only when the 95% interval of the
difference excludes zero: hand-computed examples on both sides of that line for each test."""

from __future__ import annotations

import math

import pytest
from scipy.special import stdtrit

from surveys.changes import (
    change_difference,
    change_significant,
    nps_difference,
    t_quantile,
    welch_difference,
)
from surveys.metrics import Estimate, mean_estimate, net_promoter_score, proportion


def test_csat_59_of_100_against_45_of_100_is_significant() -> None:
    # Wilson 95%: 59/100 -> (0.4920143, 0.6813269); 45/100 -> (0.3561454, 0.5475540).
    # Newcombe: low = 14 - 100 * sqrt((0.59 - 0.4920143)² + (0.5475540 - 0.45)²) = +0.1732.
    d = change_difference("csat", proportion(59, 100), proportion(45, 100))
    assert d is not None
    assert d.value == pytest.approx(14.0)
    assert d.low == pytest.approx(0.17322367, abs=1e-6)
    assert d.high == pytest.approx(27.0955286, abs=1e-6)
    assert d.significant is True


def test_fcr_58_of_100_against_45_of_100_is_not() -> None:
    # Wilson 58/100 -> (0.4820649, 0.6720162): low = 13 - 100 * sqrt(0.0979351² + 0.0975540²).
    d = change_difference("fcr", proportion(58, 100), proportion(45, 100))
    assert d is not None
    assert d.low == pytest.approx(
        13 - 100 * math.hypot(0.58 - 0.4820649, 0.5475540 - 0.45), abs=1e-5
    )
    assert d.low == pytest.approx(-0.8231933, abs=1e-6)
    assert change_significant("fcr", proportion(58, 100), proportion(45, 100)) is False


def test_nps_difference_variance_on_both_sides() -> None:
    # 60/20/20: NPS 40, Var = 0.6 + 0.2 - 0.4² = 0.64; 45/25/30: NPS 15, Var = 0.7275.
    # se = 100 * sqrt(0.64/100 + 0.7275/100) = 11.6940; half = 1.959964 * se = 22.9198.
    d = nps_difference(net_promoter_score(60, 20, 20), net_promoter_score(45, 25, 30))
    assert d is not None
    assert (d.value, d.low, d.high) == pytest.approx((25.0, 2.0801507, 47.9198493))
    assert d.significant is True
    # 47/25/28: NPS 19, Var = 0.7139; se = 11.6357, half = 22.8056: 21 - 22.8056 < 0.
    d = nps_difference(net_promoter_score(60, 20, 20), net_promoter_score(47, 25, 28))
    assert d is not None
    assert d.low == pytest.approx(-1.8055938)
    assert d.significant is False
    assert (
        change_significant("nps", net_promoter_score(60, 20, 20), net_promoter_score(47, 25, 28))
        is False
    )


def mean_with(n: int, mean: float, sd: float) -> Estimate:
    """A mean's estimate from the sums a sample with this mean and sd has."""
    return mean_estimate(n, n * mean, (n - 1) * sd * sd + n * mean * mean)


def test_welch_on_both_sides() -> None:
    # 10 at 300 s (sd 60) vs 10 at 250 s (sd 40): s²/n = 360 and 160, se = √520 = 22.8035;
    # df = 520² / (360²/9 + 160²/9) = 15.68, rounded down to 15: t = 2.131450;
    # half = 48.6045, so 50 ± 48.6045 excludes zero.
    d = welch_difference(mean_with(10, 300, 60), mean_with(10, 250, 40))
    assert d is not None
    assert (d.value, d.low, d.high) == pytest.approx((50.0, 1.3954722, 98.6045278))
    assert change_significant("handle_time", mean_with(10, 300, 60), mean_with(10, 250, 40))
    # 252 s instead: 48 - 48.6045 < 0.
    assert (
        change_significant("handle_time", mean_with(10, 300, 60), mean_with(10, 252, 40)) is False
    )


def test_untested_figures_and_too_little_data() -> None:
    assert change_significant("volume", Estimate(40.0, 40), Estimate(10.0, 10)) is None
    assert (
        change_significant(
            "resolution_median", Estimate(60.0, 9, 50, 70), Estimate(90.0, 9, 80, 100)
        )
        is None
    )
    assert change_significant("csat", proportion(5, 10), proportion(0, 0)) is None
    # One observation has no standard deviation; two with no spread at all have none either.
    assert change_significant("ces", mean_with(1, 6, 0), mean_with(5, 3, 1)) is None
    assert change_significant("ces", mean_with(3, 6, 0), mean_with(3, 3, 0)) is None
    assert (
        change_significant("nps", net_promoter_score(5, 0, 0), net_promoter_score(3, 0, 0)) is None
    )


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 15, 30, 100, 1000, 100_000])
def test_t_quantile_matches_scipy(df: int) -> None:
    assert t_quantile(df) == pytest.approx(stdtrit(df, 0.975), rel=1e-5)
