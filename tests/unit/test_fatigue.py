"""The fatigue decision at every boundary, and the NPS cadence arithmetic."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from surveys.cadence import due_and_next, first_due
from surveys.fatigue import SCHEDULE, CustomerFacts, SurveyRules, answered_recently, decide
from surveys.invitations import SuppressionReason
from surveys.kinds import SurveyKind

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CSAT = SurveyRules(SurveyKind.CSAT, fatigue_days=7)
CES = SurveyRules(SurveyKind.CES, fatigue_days=7)
NPS = SurveyRules(SurveyKind.NPS, fatigue_days=7, cadence_days=90)
SEC = timedelta(seconds=1)
DAY = timedelta(days=1)


def last_at(ago: timedelta, of_kind: timedelta | None = None) -> CustomerFacts:
    return CustomerFacts(
        last_invited_at=NOW - ago,
        last_invited_at_of_kind=None if of_kind is None else NOW - of_kind,
    )


def test_a_customer_never_invited_is_scheduled() -> None:
    assert decide(CSAT, CustomerFacts(), NOW) == SCHEDULE


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (7 * DAY, SCHEDULE),
        (7 * DAY + SEC, SCHEDULE),
        (30 * DAY, SCHEDULE),
        (7 * DAY - SEC, SuppressionReason.THROTTLED),
        (6 * DAY, SuppressionReason.THROTTLED),
        (SEC, SuppressionReason.THROTTLED),
        (timedelta(0), SuppressionReason.THROTTLED),
        # An invitation already scheduled for later also counts.
        (-DAY, SuppressionReason.THROTTLED),
        (-30 * DAY, SuppressionReason.THROTTLED),
    ],
)
@pytest.mark.parametrize("survey", [CSAT, CES, NPS])
def test_one_invitation_per_fatigue_window_whatever_the_kinds(
    survey: SurveyRules, ago: timedelta, expected: object
) -> None:
    assert decide(survey, last_at(ago), NOW) == expected


@pytest.mark.parametrize(
    ("days", "ago", "expected"),
    [
        (3, 3 * DAY, SCHEDULE),
        (3, 3 * DAY - SEC, SuppressionReason.THROTTLED),
        (14, 7 * DAY, SuppressionReason.THROTTLED),
        (14, 14 * DAY, SCHEDULE),
        (0, timedelta(0), SCHEDULE),
    ],
)
def test_the_window_is_the_new_surveys_fatigue_days(
    days: int, ago: timedelta, expected: object
) -> None:
    rules = SurveyRules(SurveyKind.CSAT, fatigue_days=days)
    assert decide(rules, last_at(ago), NOW) == expected


@pytest.mark.parametrize(
    ("nps_ago", "expected"),
    [
        (90 * DAY, SCHEDULE),
        (90 * DAY + SEC, SCHEDULE),
        (90 * DAY - SEC, SuppressionReason.THROTTLED),
        (30 * DAY, SuppressionReason.THROTTLED),
        (8 * DAY, SuppressionReason.THROTTLED),
    ],
)
def test_an_nps_at_most_once_per_cadence(nps_ago: timedelta, expected: object) -> None:
    assert decide(NPS, last_at(nps_ago, of_kind=nps_ago), NOW) == expected


def test_the_cadence_binds_only_nps() -> None:
    facts = last_at(8 * DAY, of_kind=8 * DAY)
    assert decide(CSAT, facts, NOW) == SCHEDULE


def test_an_nps_after_a_recent_csat_waits_only_for_the_fatigue_window() -> None:
    assert decide(NPS, last_at(7 * DAY, of_kind=None), NOW) == SCHEDULE
    assert decide(NPS, last_at(7 * DAY - SEC, of_kind=None), NOW) == SuppressionReason.THROTTLED


def test_no_cadence_set_means_only_the_fatigue_window() -> None:
    rules = SurveyRules(SurveyKind.NPS, fatigue_days=7, cadence_days=None)
    assert decide(rules, last_at(8 * DAY, of_kind=8 * DAY), NOW) == SCHEDULE


@pytest.mark.parametrize(
    ("rules", "facts", "expected"),
    [
        (CSAT, CustomerFacts(unsubscribed_from_kind=True), SuppressionReason.UNSUBSCRIBED),
        (CSAT, CustomerFacts(unsubscribed_from_all=True), SuppressionReason.UNSUBSCRIBED),
        (CSAT, CustomerFacts(bounced=True), SuppressionReason.BOUNCED),
        (
            SurveyRules(SurveyKind.CSAT, enabled=False),
            CustomerFacts(),
            SuppressionReason.SURVEY_DISABLED,
        ),
    ],
)
def test_each_reason_alone(rules: SurveyRules, facts: CustomerFacts, expected: object) -> None:
    assert decide(rules, facts, NOW) == expected


def test_the_most_lasting_reason_is_recorded() -> None:
    everything = CustomerFacts(
        unsubscribed_from_all=True, bounced=True, last_invited_at=NOW, last_invited_at_of_kind=NOW
    )
    disabled = SurveyRules(SurveyKind.NPS, enabled=False, cadence_days=90)
    assert decide(disabled, everything, NOW) == SuppressionReason.SURVEY_DISABLED
    assert decide(NPS, everything, NOW) == SuppressionReason.BOUNCED
    deliverable = CustomerFacts(unsubscribed_from_kind=True, last_invited_at=NOW)
    assert decide(NPS, deliverable, NOW) == SuppressionReason.UNSUBSCRIBED


# --- NPS cadence --------------------------------------------------------------------------


def test_first_due_is_within_one_cadence_and_depends_only_on_the_email() -> None:
    due = first_due("casey@example.com", 90, NOW)
    assert NOW <= due < NOW + 90 * DAY
    assert first_due("  Casey@Example.com ", 90, NOW) == due
    assert first_due("casey@example.com", 90, NOW + DAY) == due + DAY
    assert first_due("other@example.com", 90, NOW) != due


def test_first_due_spreads_many_customers_over_the_cadence() -> None:
    offsets = [first_due(f"c{n}@example.com", 90, NOW) - NOW for n in range(9000)]
    per_slice = Counter(offset // (10 * DAY) for offset in offsets)
    assert sorted(per_slice) == list(range(9))
    assert all(900 < count < 1100 for count in per_slice.values()), per_slice


@pytest.mark.parametrize(
    ("late", "due_after", "next_after"),
    [
        (timedelta(0), timedelta(0), 90 * DAY),
        (5 * SEC, timedelta(0), 90 * DAY),
        (90 * DAY - SEC, timedelta(0), 90 * DAY),
        (90 * DAY, 90 * DAY, 180 * DAY),
        (200 * DAY, 180 * DAY, 270 * DAY),
    ],
)
def test_due_and_next_stay_on_the_customers_phase(
    late: timedelta, due_after: timedelta, next_after: timedelta
) -> None:
    assert due_and_next(NOW, 90, NOW + late) == (NOW + due_after, NOW + next_after)


@pytest.mark.parametrize(
    ("ago", "fatigue_days", "recent"),
    [
        (7 * DAY - SEC, 7, True),
        (7 * DAY, 7, False),
        (DAY, 0, False),
        (None, 7, False),
    ],
)
def test_an_answer_within_the_fatigue_window_is_recent(
    ago: timedelta | None, fatigue_days: int, recent: bool
) -> None:
    last = None if ago is None else NOW - ago
    assert answered_recently(last, fatigue_days, NOW) is recent
