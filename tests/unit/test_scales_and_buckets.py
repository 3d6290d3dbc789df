"""Every scale's ends and every threshold, and inputs that must be refused."""

from __future__ import annotations

import pytest

from surveys import (
    Bucket,
    InvalidScore,
    InvalidThresholds,
    SurveyKind,
    Thresholds,
    check_thresholds,
    classify,
    validate_score,
)

CSAT, CES, NPS = SurveyKind.CSAT, SurveyKind.CES, SurveyKind.NPS
P, PA, D = Bucket.PROMOTER, Bucket.PASSIVE, Bucket.DETRACTOR
S, U = Bucket.SATISFIED, Bucket.UNSATISFIED


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (NPS, {0: D, 1: D, 5: D, 6: D, 7: PA, 8: PA, 9: P, 10: P}),
        (CSAT, {1: U, 2: U, 3: U, 4: S, 5: S}),
        (CES, {1: U, 2: U, 3: U, 4: U, 5: S, 6: S, 7: S}),
    ],
)
def test_default_buckets_at_every_threshold(kind: SurveyKind, expected: dict[int, Bucket]) -> None:
    assert {score: classify(kind, score) for score in expected} == expected


@pytest.mark.parametrize(
    ("kind", "score", "message"),
    [
        (NPS, -1, "the score must be between 0 and 10"),
        (NPS, 11, "the score must be between 0 and 10"),
        (CSAT, 0, "the score must be between 1 and 5"),
        (CSAT, 6, "the score must be between 1 and 5"),
        (CES, 0, "the score must be between 1 and 7"),
        (CES, 8, "the score must be between 1 and 7"),
        (CSAT, 3.5, "the score must be a whole number"),
        (CSAT, 4.0, "the score must be a whole number"),
        (CSAT, "4.0", "the score must be a whole number"),
        (CSAT, "four", "the score must be a whole number"),
        (CSAT, True, "the score must be a whole number"),
        (CSAT, [4], "the score must be a whole number"),
        (CSAT, None, "a score is required"),
        (CSAT, "", "a score is required"),
        (CSAT, "  ", "a score is required"),
        # What one-click links and forms get sent by hand: never a crash, always this.
        (CSAT, "--1", "the score must be a whole number"),
        (CSAT, "²", "the score must be a whole number"),
        (CSAT, "٣", "the score must be a whole number"),
        (CSAT, "+3", "the score must be a whole number"),
        (CSAT, "3\x00", "the score must be a whole number"),
        (CSAT, "9" * 30, "the score must be between 1 and 5"),
        (CSAT, "9" * 5000, "the score must be between 1 and 5"),
        (CSAT, "-" + "9" * 5000, "the score must be between 1 and 5"),
        (CSAT, 10**30, "the score must be between 1 and 5"),
    ],
)
def test_bad_scores_are_refused_never_clamped(
    kind: SurveyKind, score: object, message: str
) -> None:
    with pytest.raises(InvalidScore) as error:
        classify(kind, score)  # type: ignore[arg-type]
    assert error.value.message == message
    assert error.value.field == "score"


def test_digit_strings_from_forms_are_accepted() -> None:
    assert validate_score(NPS, "0") == 0
    assert validate_score(NPS, " 10 ") == 10
    assert validate_score(CES, 7) == 7


def test_custom_thresholds_move_the_boundaries() -> None:
    strict = Thresholds(satisfied_min=5)
    assert classify(CSAT, 4, strict) is U
    assert classify(CSAT, 5, strict) is S
    nps = Thresholds(satisfied_min=10, passive_min=8)
    assert [classify(NPS, s, nps) for s in (7, 8, 9, 10)] == [D, PA, PA, P]


@pytest.mark.parametrize(
    ("kind", "thresholds", "field"),
    [
        (CSAT, Thresholds(satisfied_min=1), "satisfied_min"),
        (CSAT, Thresholds(satisfied_min=6), "satisfied_min"),
        (CSAT, Thresholds(satisfied_min=4, passive_min=3), "passive_min"),
        (NPS, Thresholds(satisfied_min=9), "passive_min"),
        (NPS, Thresholds(satisfied_min=9, passive_min=9), "passive_min"),
        (NPS, Thresholds(satisfied_min=9, passive_min=0), "passive_min"),
        (CES, Thresholds(satisfied_min=8), "satisfied_min"),
    ],
)
def test_thresholds_that_leave_a_bucket_empty_are_refused(
    kind: SurveyKind, thresholds: Thresholds, field: str
) -> None:
    with pytest.raises(InvalidThresholds) as error:
        check_thresholds(kind, thresholds)
    assert error.value.field == field
