"""The support KPI formulas on hand-computed data, and the histogram's median bound."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.metrics import median_of
from surveys.support import (
    BUCKET_RATIO,
    MEDIAN_BOUND,
    ZERO_BUCKET,
    ContactMeasures,
    SupportTally,
    bucket_of,
    bucket_value,
    closing_tally,
    exact_support_figures,
    first_response_time,
    handle_time,
    histogram_median,
    histogram_of,
    median_ranks,
    opening_tally,
    support_figures,
    tally_of,
    whole_seconds,
)

T0 = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


def test_the_bound_is_under_one_percent() -> None:
    assert pytest.approx(math.sqrt(1.02) - 1) == MEDIAN_BOUND
    assert MEDIAN_BOUND < 0.01


@pytest.mark.parametrize("seconds", [1, 2, 59, 60, 61, 3599, 3600, 86_400, 2**31 - 1])
def test_each_duration_is_within_the_bound_of_its_bucket_value(seconds: int) -> None:
    bucket = bucket_of(seconds)
    assert BUCKET_RATIO**bucket <= seconds < BUCKET_RATIO ** (bucket + 1)
    assert abs(bucket_value(bucket) - seconds) <= MEDIAN_BOUND * seconds


def test_zero_has_its_own_bucket_and_negative_durations_are_refused() -> None:
    assert bucket_of(0) == ZERO_BUCKET
    assert bucket_value(ZERO_BUCKET) == 0.0
    with pytest.raises(ValueError, match="negative"):
        bucket_of(-1)


@given(st.integers(min_value=0, max_value=10**9))
def test_every_bucket_holds_its_value_within_the_bound(seconds: int) -> None:
    assert abs(bucket_value(bucket_of(seconds)) - seconds) <= MEDIAN_BOUND * seconds


@given(st.lists(st.integers(min_value=0, max_value=30 * 86_400), min_size=1, max_size=300))
def test_histogram_median_and_interval_within_the_bound_of_the_exact_ones(
    seconds: list[int],
) -> None:
    exact = median_of([float(s) for s in seconds])
    approx = histogram_median(histogram_of(seconds))
    assert approx.n == exact.n == len(seconds)
    for ours, theirs in ((approx.value, exact.value), (approx.low, exact.low)):
        assert ours is not None and theirs is not None
        assert abs(ours - theirs) <= MEDIAN_BOUND * theirs + 1e-9
    assert approx.high is not None and exact.high is not None
    assert abs(approx.high - exact.high) <= MEDIAN_BOUND * exact.high + 1e-9


def test_histogram_median_empty_and_one_value() -> None:
    empty = histogram_median({})
    assert (empty.value, empty.n) == (None, 0)
    one = histogram_median(histogram_of([3600]))
    assert one.n == 1
    assert one.value == pytest.approx(3600, rel=MEDIAN_BOUND)
    assert one.low == one.high == one.value


def test_median_ranks_by_hand() -> None:
    # n = 10: the median averages the 5th and 6th; z·√10/2 = 3.099 → j = 1, k = 10.
    assert median_ranks(10) == (5, 6, 1, 10)
    # n = 100: 50th and 51st; z·√100/2 = 9.8 → j = floor(40.2) = 40, k = ceil(60.8) = 61.
    assert median_ranks(100) == (50, 51, 40, 61)
    assert median_ranks(1) == (1, 1, 1, 1)


def test_whole_seconds_rounds_and_drops_backward_spans() -> None:
    assert whole_seconds(T0, T0.replace(minute=2, second=3, microsecond=600_000)) == 124
    assert whole_seconds(T0, T0.replace(hour=8)) is None
    assert whole_seconds(None, T0) is None


def test_handle_time_is_the_sum_of_its_parts_or_the_total() -> None:
    assert handle_time(300, 60, 45, None) == 405
    assert handle_time(300, None, None, 999) == 300
    assert handle_time(None, None, None, 999) == 999
    assert handle_time(None, None, None, None) is None


def test_first_response_time_prefers_the_given_duration() -> None:
    assert first_response_time(T0, T0.replace(minute=10), None) == 600
    assert first_response_time(T0, T0.replace(minute=10), 42) == 42
    assert first_response_time(None, None, None) is None


def test_abandoned_contacts_count_in_volume_and_abandonment_only() -> None:
    abandoned = ContactMeasures(answered=False, first_contact=True, handle=100, resolution=5)
    assert opening_tally(False) == SupportTally(volume=1, abandoned=1)
    assert closing_tally(abandoned) == SupportTally()


def test_support_figures_by_hand() -> None:
    contacts = [
        ContactMeasures(
            first_contact=True,
            talk=300,
            hold=60,
            after_work=40,
            handle=400,
            resolution=3600,
            first_response=60,
        ),
        ContactMeasures(first_contact=False, talk=100, handle=100, first_response=120),
        ContactMeasures(handle=700, resolution=7200),
        ContactMeasures(answered=False),
    ]
    figures = exact_support_figures(contacts)
    assert (figures["volume"].value, figures["volume"].n) == (4, 4)
    assert (figures["abandonment"].value, figures["abandonment"].n) == (25.0, 4)
    assert (figures["fcr"].value, figures["fcr"].n) == (50.0, 2)
    # (400 + 100 + 700) / 3; talk (300 + 100) / 2; hold and after-call work from one contact.
    assert (figures["handle_time"].value, figures["handle_time"].n) == (400.0, 3)
    assert (figures["talk_time"].value, figures["talk_time"].n) == (200.0, 2)
    assert (figures["hold_time"].value, figures["hold_time"].n) == (60.0, 1)
    assert (figures["after_work_time"].value, figures["after_work_time"].n) == (40.0, 1)
    assert (figures["resolution_median"].value, figures["resolution_mean"].value) == (
        5400.0,
        5400.0,
    )
    assert (figures["first_response_median"].value, figures["first_response_mean"].n) == (
        90.0,
        2,
    )
    # Handle time: s² = (0² + 300² + 300²) / 2 = 90000; half-width 1.959964·300/√3 = 339.4757.
    low, high = figures["handle_time"].low, figures["handle_time"].high
    assert (low, high) == pytest.approx((400 - 339.4757, 400 + 339.4757), abs=1e-3)


def test_support_figures_empty_and_one_contact() -> None:
    empty = support_figures(SupportTally(), {}, {})
    assert all(estimate.value is None for name, estimate in empty.items() if name != "volume")
    assert (empty["volume"].value, empty["volume"].n) == (0.0, 0)
    one = exact_support_figures([ContactMeasures(first_contact=True, handle=90)])
    assert (one["fcr"].value, one["fcr"].n) == (100.0, 1)
    assert (one["handle_time"].value, one["handle_time"].low) == (90.0, None)
    assert one["resolution_median"].value is None


def test_tallies_add_up() -> None:
    contacts = [ContactMeasures(first_contact=True, handle=10), ContactMeasures(answered=False)]
    total = tally_of(contacts)
    assert total == SupportTally(
        volume=2, abandoned=1, fcr_n=1, fcr_yes=1, handle_n=1, handle_sum=10, handle_sq=100
    )
    assert total + SupportTally() == total
