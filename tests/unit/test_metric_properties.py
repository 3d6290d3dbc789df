"""Properties of the KPI formulas over any answers: each figure is what its definition says,
stays within its scale, its interval holds it and stays within bounds, n counts the inputs,
no data is no data, and the order of the inputs changes nothing."""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from surveys import Bucket, SurveyKind, classify
from surveys.kinds import KIND_SPECS
from surveys.metrics import (
    KIND_FIGURES,
    Contact,
    Estimate,
    Tally,
    ces_easy,
    ces_mean,
    csat,
    duration_mean,
    first_contact_resolution,
    mean_of,
    median_of,
    net_promoter_score,
    nps,
    proportion,
    tally,
)
from tests.properties import PROPERTIES

CSAT, CES, NPS = SurveyKind.CSAT, SurveyKind.CES, SurveyKind.NPS
#: Rounding in the interval arithmetic, far below anything a dashboard shows.
EPSILON = 1e-9
T0 = datetime(2026, 3, 2, tzinfo=UTC)


def scores(kind: SurveyKind, min_size: int = 0) -> st.SearchStrategy[list[int]]:
    spec = KIND_SPECS[kind]
    return st.lists(st.integers(spec.low, spec.high), min_size=min_size, max_size=100)


def share(kind: SurveyKind, answers: list[int], bucket: Bucket) -> float:
    """Percentage of ``answers`` that ``classify`` files in ``bucket``."""
    return 100 * sum(classify(kind, s) is bucket for s in answers) / len(answers)


def assert_within(estimate: Estimate, low: float, high: float) -> None:
    """The figure and its interval lie in [low, high], and the interval holds the figure."""
    assert estimate.value is not None
    assert low - EPSILON <= estimate.value <= high + EPSILON
    if estimate.low is not None and estimate.high is not None:
        assert low - EPSILON <= estimate.low <= estimate.value + EPSILON
        assert estimate.value - EPSILON <= estimate.high <= high + EPSILON


def same(first: Estimate, second: Estimate) -> None:
    assert first.n == second.n
    for a, b in ((first.value, second.value), (first.low, second.low), (first.high, second.high)):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert a == pytest.approx(b, abs=1e-6)


@PROPERTIES
@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000))
def test_nps_is_percent_promoters_minus_percent_detractors(
    promoters: int, passives: int, detractors: int
) -> None:
    estimate = net_promoter_score(promoters, passives, detractors)
    n = promoters + passives + detractors
    assert estimate.n == n
    if n == 0:
        assert (estimate.value, estimate.low, estimate.high) == (None, None, None)
        return
    assert estimate.value == pytest.approx(100 * promoters / n - 100 * detractors / n)
    assert_within(estimate, -100, 100)


@PROPERTIES
@given(scores(NPS, min_size=1), st.randoms(use_true_random=False))
def test_nps_of_answers_counts_each_answer_by_its_bucket_in_any_order(
    answers: list[int], rand: random.Random
) -> None:
    estimate = nps(tally(NPS, Counter(answers)))
    assert estimate.n == len(answers)
    assert estimate.value == pytest.approx(
        share(NPS, answers, Bucket.PROMOTER) - share(NPS, answers, Bucket.DETRACTOR)
    )
    assert_within(estimate, -100, 100)
    shuffled = answers.copy()
    rand.shuffle(shuffled)
    same(nps(tally(NPS, Counter(shuffled))), estimate)


@PROPERTIES
@given(st.integers(0, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
@example((10, 10))
def test_a_proportion_is_a_percentage_with_an_interval_inside_0_and_100(
    counts: tuple[int, int],
) -> None:
    successes, n = counts
    estimate = proportion(successes, n)
    assert estimate.n == n
    if n == 0:
        assert estimate.value is None
        return
    assert estimate.value == pytest.approx(100 * successes / n)
    assert_within(estimate, 0, 100)
    assert estimate.low is not None and estimate.high is not None
    assert estimate.high > estimate.low
    # Exactly, not within a rounding error: a chart draws value - low and high - value as
    # bar lengths, which must not be negative.
    assert estimate.low <= estimate.value <= estimate.high


@PROPERTIES
@given(scores(CSAT, min_size=1))
def test_csat_is_the_percentage_of_satisfied_answers(answers: list[int]) -> None:
    estimate = csat(tally(CSAT, Counter(answers)))
    assert estimate.n == len(answers)
    assert estimate.value == pytest.approx(share(CSAT, answers, Bucket.SATISFIED))
    assert_within(estimate, 0, 100)


@PROPERTIES
@given(scores(CES, min_size=1), st.randoms(use_true_random=False))
def test_ces_is_the_mean_score_within_the_scale_in_any_order(
    answers: list[int], rand: random.Random
) -> None:
    t = tally(CES, Counter(answers))
    mean, easy = ces_mean(t), ces_easy(t)
    assert (mean.n, easy.n) == (len(answers), len(answers))
    assert mean.value == pytest.approx(statistics.fmean(answers))
    assert_within(mean, 1, 7)
    assert (mean.low is None) == (len(answers) == 1)
    assert easy.value == pytest.approx(share(CES, answers, Bucket.SATISFIED))
    assert_within(easy, 0, 100)
    shuffled = answers.copy()
    rand.shuffle(shuffled)
    same(ces_mean(tally(CES, Counter(shuffled))), mean)


@PROPERTIES
@given(st.sampled_from(list(SurveyKind)).flatmap(lambda k: st.tuples(st.just(k), scores(k))))
def test_tallies_of_two_sets_of_answers_add_up_to_the_tally_of_both(
    case: tuple[SurveyKind, list[int]],
) -> None:
    """Rollups add tallies by day; the sum must be the tally of all the answers."""
    kind, answers = case
    half = len(answers) // 2
    first, second = Counter(answers[:half]), Counter(answers[half:])
    both = tally(kind, first) + tally(kind, second)
    assert both == tally(kind, Counter(answers))
    assert both.n == both.top + both.middle + both.bottom == len(answers)
    assert both.total == sum(answers)


@pytest.mark.parametrize("kind", list(SurveyKind))
def test_no_answers_are_no_data_for_every_figure(kind: SurveyKind) -> None:
    for name, formula in KIND_FIGURES[kind].items():
        estimate = formula(Tally())
        assert (name, estimate.value, estimate.n, estimate.low, estimate.high) == (
            name,
            None,
            0,
            None,
            None,
        )


@PROPERTIES
@given(
    st.sampled_from(list(SurveyKind)).flatmap(
        lambda k: st.tuples(st.just(k), st.integers(KIND_SPECS[k].low, KIND_SPECS[k].high))
    )
)
def test_one_answer_gives_a_figure_from_one_observation(case: tuple[SurveyKind, int]) -> None:
    kind, score = case
    bucket = classify(kind, score)
    figures = {name: f(tally(kind, Counter([score]))) for name, f in KIND_FIGURES[kind].items()}
    assert all(estimate.n == 1 and estimate.low_sample for estimate in figures.values())
    if kind is NPS:
        expected = {Bucket.PROMOTER: 100.0, Bucket.PASSIVE: 0.0, Bucket.DETRACTOR: -100.0}
        assert (figures["nps"].value, figures["nps"].low, figures["nps"].high) == (
            (expected[bucket],) * 3
        )
    elif kind is CSAT:
        assert figures["csat"].value == (100.0 if bucket is Bucket.SATISFIED else 0.0)
    else:
        assert (figures["ces"].value, figures["ces"].low) == (score, None)


FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@PROPERTIES
@given(st.lists(FINITE, max_size=100), st.randoms(use_true_random=False))
def test_a_mean_holds_its_interval_and_ignores_order(
    values: list[float], rand: random.Random
) -> None:
    estimate = mean_of(values)
    assert estimate.n == len(values)
    if not values:
        assert estimate.value is None
        return
    assert estimate.value == pytest.approx(statistics.fmean(values), abs=1e-6)
    assert min(values) - EPSILON <= estimate.value <= max(values) + EPSILON
    assert_within(estimate, -math.inf, math.inf)
    shuffled = values.copy()
    rand.shuffle(shuffled)
    same(mean_of(shuffled), estimate)


@PROPERTIES
@given(st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1))
def test_a_mean_duration_is_never_below_zero(seconds: list[float]) -> None:
    estimate = duration_mean(seconds)
    assert estimate.value is not None and estimate.value >= 0
    assert estimate.low is None or estimate.low >= 0


@PROPERTIES
@given(st.lists(FINITE, max_size=100), st.randoms(use_true_random=False))
def test_a_median_lies_in_its_interval_between_the_smallest_and_largest_value(
    values: list[float], rand: random.Random
) -> None:
    estimate = median_of(values)
    assert estimate.n == len(values)
    if not values:
        assert estimate.value is None
        return
    assert estimate.value == statistics.median(values)
    assert_within(estimate, min(values), max(values))
    shuffled = values.copy()
    rand.shuffle(shuffled)
    assert median_of(shuffled) == estimate


CONTACTS = st.lists(
    st.builds(
        lambda customer, opened, took, flag: Contact(
            customer,
            T0 + timedelta(hours=opened),
            None if took is None else T0 + timedelta(hours=opened + took),
            flag,
        ),
        st.integers(0, 3),
        st.integers(0, 24 * 30),
        st.none() | st.integers(0, 24 * 10),
        st.none() | st.booleans(),
    ),
    max_size=40,
)


@PROPERTIES
@given(CONTACTS, st.randoms(use_true_random=False))
def test_first_contact_resolution_counts_resolved_contacts_in_any_order(
    contacts: list[Contact], rand: random.Random
) -> None:
    estimate = first_contact_resolution(contacts, contacts)
    resolved = [c for c in contacts if c.resolved_at is not None]
    assert estimate.n == len(resolved)
    if not resolved:
        assert estimate.value is None
        return
    assert_within(estimate, 0, 100)
    flagged = [c.helpdesk_flag for c in resolved if c.helpdesk_flag is not None]
    assert sum(flagged) * 100 / len(resolved) <= estimate.value + EPSILON
    assert estimate.value <= (len(resolved) - flagged.count(False)) * 100 / len(resolved) + EPSILON
    shuffled = contacts.copy()
    rand.shuffle(shuffled)
    same(first_contact_resolution(shuffled, shuffled), estimate)
    assert math.isfinite(estimate.value)
