"""Every KPI formula on hand-computed data, including the edges of each scale and no data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from surveys import SurveyKind, Thresholds
from surveys.metrics import (
    CaseFacts,
    Contact,
    Estimate,
    Tally,
    ces_easy,
    ces_mean,
    change,
    csat,
    duration_mean,
    durations_seconds,
    figures,
    first_contact_resolution,
    followup_figures,
    mean_of,
    median_of,
    net_promoter_score,
    nps,
    opened_by_customer,
    proportion,
    repeat_contact,
    resolved_at_first_contact,
    response_rate,
    tally,
    wilson_interval,
)

CSAT, CES, NPS = SurveyKind.CSAT, SurveyKind.CES, SurveyKind.NPS
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
approx = pytest.approx


def test_wilson_interval_matches_published_values() -> None:
    assert wilson_interval(8, 10) == approx((0.4902, 0.9433), abs=1e-4)
    assert wilson_interval(0, 10) == approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == approx((0.7225, 1.0), abs=1e-4)
    assert wilson_interval(1, 1) == approx((0.2065, 1.0), abs=1e-4)


@pytest.mark.parametrize(("successes", "n"), [(0, 0), (-1, 3), (4, 3)])
def test_wilson_interval_refuses_impossible_counts(successes: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


def test_nps_of_a_mixed_sample_with_its_variance() -> None:
    # p = 0.5, d = 0.2: var = (0.7 - 0.3²) / 10 = 0.061; half = 1.96 * sqrt(0.061) = 0.4841
    estimate = net_promoter_score(promoters=5, passives=3, detractors=2)
    assert estimate.value == approx(30.0)
    assert estimate.n == 10
    assert (estimate.low, estimate.high) == approx((-18.407, 78.407), abs=1e-3)
    assert estimate.margin == approx(48.407, abs=1e-3)
    assert estimate.low_sample is True


def test_nps_all_promoters_is_100_and_all_detractors_is_minus_100() -> None:
    top = net_promoter_score(40, 0, 0)
    bottom = net_promoter_score(0, 0, 40)
    assert (top.value, top.low, top.high, top.low_sample) == (100.0, 100.0, 100.0, False)
    assert (bottom.value, bottom.low, bottom.high) == (-100.0, -100.0, -100.0)


def test_nps_interval_is_clipped_to_the_scale() -> None:
    estimate = net_promoter_score(1, 0, 1)
    assert estimate.value == 0.0
    assert (estimate.low, estimate.high) == (-100.0, 100.0)


def test_nps_all_passives_is_zero_not_no_data() -> None:
    estimate = net_promoter_score(0, 3, 0)
    assert (estimate.value, estimate.n, estimate.margin) == (0.0, 3, 0.0)


def test_no_responses_is_no_data_never_zero() -> None:
    for estimate in (
        net_promoter_score(0, 0, 0),
        proportion(0, 0),
        ces_mean(Tally()),
        mean_of([]),
        median_of([]),
    ):
        assert estimate == Estimate(None, 0)
        assert estimate.has_data is False
        assert estimate.low_sample is False
        assert estimate.margin is None


def test_one_response() -> None:
    t = tally(CSAT, {5: 1})
    assert csat(t).value == 100.0
    assert (csat(t).low, csat(t).high) == approx((20.65, 100.0), abs=1e-2)
    assert csat(t).low_sample is True
    mean = ces_mean(tally(CES, {6: 1}))
    assert (mean.value, mean.n, mean.low, mean.high, mean.margin) == (6.0, 1, None, None, None)


def test_low_sample_flag_uses_the_minimum_n() -> None:
    assert proportion(10, 29).low_sample is True
    assert proportion(10, 30).low_sample is False
    assert proportion(10, 30, min_n=50).low_sample is True


def test_tally_files_a_histogram_by_the_default_thresholds() -> None:
    histogram = {0: 1, 6: 2, 7: 3, 8: 1, 9: 2, 10: 1}
    assert tally(NPS, histogram) == Tally(
        n=10, top=3, middle=4, bottom=3, total=69, total_sq=6 * 6 * 2 + 49 * 3 + 64 + 81 * 2 + 100
    )
    assert nps(tally(NPS, histogram)).value == approx(0.0)


def test_tally_uses_the_survey_thresholds() -> None:
    strict = Thresholds(satisfied_min=5)
    assert csat(tally(CSAT, {4: 3, 5: 1}, strict)).value == 25.0
    assert csat(tally(CSAT, {4: 3, 5: 1})).value == 100.0


def test_tallies_add_up() -> None:
    a, b = tally(CSAT, {1: 1, 5: 2}), tally(CSAT, {4: 1, 2: 3})
    assert a + b == tally(CSAT, {1: 1, 2: 3, 4: 1, 5: 2})


def test_csat_percent_counts_4_and_5_as_satisfied() -> None:
    t = tally(CSAT, {1: 1, 2: 1, 3: 1, 4: 3, 5: 4})
    estimate = csat(t)
    assert estimate.value == 70.0
    assert (estimate.low, estimate.high) == approx((39.68, 89.22), abs=1e-2)


def test_ces_mean_and_percent_easy() -> None:
    t = tally(CES, {5: 1, 6: 1, 7: 2})
    mean = ces_mean(t)
    # s² = (1.5625 + 0.0625 + 2 * 0.5625) / 3; half = 1.96 * s / 2 = 0.9382
    assert mean.value == 6.25
    assert mean.low == approx(5.3118, abs=1e-4)
    assert mean.high == 7.0  # clipped to the scale
    assert ces_easy(tally(CES, {4: 1, 5: 1, 7: 2})).value == 75.0


def test_figures_per_kind() -> None:
    assert set(figures(NPS, Tally())) == {"nps"}
    assert set(figures(CSAT, Tally())) == {"csat"}
    assert set(figures(CES, tally(CES, {7: 1}))) == {"ces", "ces_easy"}


def test_response_rate() -> None:
    assert response_rate(25, 100).value == 25.0
    assert response_rate(0, 0).value is None


def test_change_against_the_previous_period() -> None:
    assert change(proportion(3, 4), proportion(1, 2)) == 25.0
    assert change(proportion(3, 4), proportion(0, 0)) is None


def test_mean_and_median_of_durations() -> None:
    values = [float(v) for v in range(1, 11)]
    mean = mean_of(values)
    assert mean.value == 5.5
    assert (mean.low, mean.high) == approx((3.6234, 7.3766), abs=1e-4)
    median = median_of(values)
    assert (median.value, median.low, median.high) == (5.5, 1.0, 10.0)
    assert duration_mean([1.0, 1.0, 100.0]).low == 0.0
    big = median_of([float(v) for v in range(1, 101)])
    # j = floor(50 - 9.8) = 40, k = ceil(51 + 9.8) = 61
    assert (big.value, big.low, big.high) == (50.5, 40.0, 61.0)


def test_durations_drop_missing_and_negative_spans() -> None:
    later = T0 + timedelta(minutes=5)
    assert durations_seconds([(T0, later), (later, T0), (None, T0), (T0, None)]) == [300.0]


def test_first_contact_resolution_by_repeat_contacts_and_the_helpdesk_flag() -> None:
    day = timedelta(days=1)
    resolved = [
        Contact(1, T0, T0 + day),  # customer 1 comes back 3 days later: not FCR
        Contact(2, T0, T0 + day),  # customer 2 comes back 9 days later: FCR
        Contact(3, T0, T0 + day, helpdesk_flag=False),  # the helpdesk says not
        Contact(4, T0, T0 + day, helpdesk_flag=True),  # the helpdesk says yes despite a repeat
        Contact(5, T0, None),  # not resolved: not counted
    ]
    others = [Contact(1, T0 + 4 * day), Contact(2, T0 + 10 * day), Contact(4, T0 + 2 * day)]
    estimate = first_contact_resolution(resolved, resolved + others)
    assert (estimate.value, estimate.n) == (50.0, 4)
    wide = first_contact_resolution(resolved, resolved + others, window=timedelta(days=10))
    assert wide.value == 25.0


def test_repeat_contact_is_the_first_return_within_the_window_after_resolution() -> None:
    day = timedelta(days=1)
    contact = Contact(1, T0, T0 + day)
    opened = opened_by_customer(
        [contact, Contact(1, T0 + 8 * day), Contact(1, T0 + 3 * day), Contact(2, T0 + day)]
    )
    assert repeat_contact(contact, opened) == T0 + 3 * day
    assert repeat_contact(contact, opened, window=timedelta(days=1)) is None
    # Exactly at the end of the window still counts as a repeat.
    assert repeat_contact(contact, opened, window=timedelta(days=2)) == T0 + 3 * day
    assert not resolved_at_first_contact(contact, opened)
    flagged = Contact(1, T0, T0 + day, helpdesk_flag=True)
    assert resolved_at_first_contact(flagged, opened)
    assert repeat_contact(Contact(1, T0), opened) is None


def test_followup_figures() -> None:
    hour = timedelta(hours=1)
    now = T0 + 100 * hour
    cases = [
        CaseFacts(T0, T0 + 24 * hour, T0 + 2 * hour, T0 + 10 * hour, recovered=True),
        CaseFacts(T0, T0 + 24 * hour, T0 + 30 * hour, T0 + 40 * hour, recovered=False),
        CaseFacts(T0, T0 + 24 * hour, None, None),  # overdue, never contacted
        CaseFacts(T0, now + hour, None, None),  # still within its deadline: not judged
        CaseFacts(T0, T0 + 24 * hour, T0 + 4 * hour, None, recovered=True),
    ]
    result = followup_figures(cases, now)
    assert (result["contacted_in_time"].value, result["contacted_in_time"].n) == (50.0, 4)
    assert result["time_to_first_contact"].value == 4 * 3600.0
    assert result["time_to_first_contact"].n == 3
    assert result["time_to_resolution"].value == 25 * 3600.0
    assert (result["recovery_rate"].value, result["recovery_rate"].n) == approx((66.667, 3), 1e-4)
    assert followup_figures([], now)["recovery_rate"].value is None
