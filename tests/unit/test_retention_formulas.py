"""Retention and the difference of two proportions on hand-computed data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from surveys.metrics import wilson_interval
from surveys.retention import (
    Lifecycle,
    RetentionCounts,
    difference_of_proportions,
    retention_counts,
    retention_figures,
    retention_rate,
)

START = datetime(2026, 2, 1, tzinfo=UTC)
END = datetime(2026, 3, 1, tzinfo=UTC)


def at(month: int, dom: int) -> datetime:
    return datetime(2026, month, dom, tzinfo=UTC)


def test_the_counts_of_every_kind_of_customer() -> None:
    lifecycles = [
        Lifecycle(at(1, 5)),  # stays: at start and end
        Lifecycle(at(1, 5), at(2, 10)),  # a start customer who leaves
        Lifecycle(at(1, 5), at(1, 20)),  # left before the period: nowhere
        Lifecycle(at(2, 3)),  # acquired and kept
        Lifecycle(at(2, 3), at(2, 20)),  # joined and left inside: neither end nor acquired
        Lifecycle(at(3, 5)),  # joins after: nowhere
        Lifecycle(START, None),  # joined at the first instant: acquired in the period
        Lifecycle(at(1, 1), START),  # left at the first instant: at the start, churned
        Lifecycle(at(1, 1), END),  # leaves at the first instant after: still at the end
    ]
    counts = retention_counts(lifecycles, START, END)
    assert counts == RetentionCounts(at_start=4, at_end=4, acquired=2, churned=2)
    assert counts.retained == 2


def test_the_rate_is_the_guides_formula_with_a_wilson_interval() -> None:
    # (120 at the end - 20 acquired) / 125 at the start = 80%.
    rate = retention_rate(125, 120, 20)
    low, high = wilson_interval(100, 125)
    assert (rate.value, rate.n) == (80.0, 125)
    assert (rate.low, rate.high) == (pytest.approx(100 * low), pytest.approx(100 * high))
    assert rate.low == pytest.approx(72.141, abs=1e-3)
    assert rate.high == pytest.approx(86.070, abs=1e-3)


def test_no_customer_and_one_customer() -> None:
    empty = retention_figures(retention_counts([], START, END))
    assert empty["retention"].value is None
    assert [empty[name].value for name in ("customers_at_start", "acquired", "churned")] == [0] * 3
    one = retention_figures(retention_counts([Lifecycle(at(1, 1))], START, END), min_n=1)
    assert (one["retention"].value, one["retention"].n, one["retention"].low_sample) == (
        100.0,
        1,
        False,
    )
    assert one["retention"].low == pytest.approx(100 * wilson_interval(1, 1)[0])
    gone = retention_figures(retention_counts([Lifecycle(at(1, 1), at(2, 2))], START, END))
    assert (gone["retention"].value, gone["churned"].value) == (0.0, 1.0)
    # The counts are of everyone, not a sample: never a low sample.
    assert not gone["churned"].low_sample and gone["retention"].low_sample


def test_newcombes_published_example() -> None:
    """Newcombe (1998), Statistics in Medicine 17:873, table II example (a): 56/70 - 48/80."""
    difference = difference_of_proportions(56, 70, 48, 80)
    assert difference is not None
    assert difference.value == pytest.approx(20.0)
    assert (difference.low, difference.high) == (
        pytest.approx(5.24, abs=0.01),
        pytest.approx(33.39, abs=0.01),
    )
    assert difference.significant


def test_significance_on_both_sides_of_the_threshold() -> None:
    # 9/10 against 4/10: 50 points, interval (8.2, 74.6), excluding zero.
    apart = difference_of_proportions(9, 10, 4, 10)
    assert apart is not None and apart.significant
    assert (apart.value, apart.low, apart.high) == (
        pytest.approx(50.0),
        pytest.approx(8.16, abs=0.01),
        pytest.approx(74.59, abs=0.01),
    )
    # 9/10 against 5/10: 40 points, interval (-0.2, 67.6), just including zero.
    close = difference_of_proportions(9, 10, 5, 10)
    assert close is not None and not close.significant
    assert close.low == pytest.approx(-0.24, abs=0.01)
    # Lower, and significant the other way.
    below = difference_of_proportions(4, 10, 9, 10)
    assert below is not None and below.significant and below.high < 0


def test_all_or_nothing_groups_keep_a_width_and_empty_ones_have_no_difference() -> None:
    one_each = difference_of_proportions(1, 1, 0, 1)
    assert one_each is not None and one_each.value == 100.0
    assert not one_each.significant
    assert difference_of_proportions(0, 0, 3, 4) is None
    assert difference_of_proportions(3, 4, 0, 0) is None
