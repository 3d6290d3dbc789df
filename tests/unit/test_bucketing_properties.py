"""Properties of bucketing, over every kind and every threshold an admin may set: each score
gets exactly one bucket, better scores never a worse one, thresholds are accepted exactly when
every bucket can be reached, and anything but a whole number on the scale is refused."""

from __future__ import annotations

import re
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from surveys import InvalidScore, SurveyKind, Thresholds, classify, validate_score
from surveys.bucketing import BUCKETS_BY_KIND
from surveys.kinds import KIND_SPECS
from surveys.settings import bucket_ranges
from tests.properties import PROPERTIES, VALID_THRESHOLDS, accepted, candidate_thresholds

KINDS = st.sampled_from(list(SurveyKind))


#: A kind with thresholds an admin could save.
VALID = st.sampled_from([(kind, t) for kind, valid in VALID_THRESHOLDS.items() for t in valid])


@PROPERTIES
@given(VALID)
def test_every_score_gets_exactly_one_bucket_of_its_kind(
    case: tuple[SurveyKind, Thresholds],
) -> None:
    kind, thresholds = case
    ranges = bucket_ranges(kind, thresholds)
    for score in KIND_SPECS[kind].points:
        bucket = classify(kind, score, thresholds)
        assert bucket in BUCKETS_BY_KIND[kind]
        holding = [r.bucket for r in ranges if r.low <= score <= r.high]
        assert holding == [bucket]


@PROPERTIES
@given(VALID)
def test_the_buckets_cover_the_scale_best_first_without_gaps(
    case: tuple[SurveyKind, Thresholds],
) -> None:
    kind, thresholds = case
    spec = KIND_SPECS[kind]
    ranges = bucket_ranges(kind, thresholds)
    assert [r.bucket for r in ranges] == list(BUCKETS_BY_KIND[kind])
    assert (ranges[0].high, ranges[-1].low) == (spec.high, spec.low)
    assert ranges[0].low == thresholds.satisfied_min
    assert all(r.low <= r.high for r in ranges)
    assert all(better.low == worse.high + 1 for better, worse in pairwise(ranges))


@PROPERTIES
@given(VALID, st.data())
def test_a_higher_score_never_gets_a_worse_bucket(
    case: tuple[SurveyKind, Thresholds], data: st.DataObject
) -> None:
    kind, thresholds = case
    spec = KIND_SPECS[kind]
    lower = data.draw(st.integers(spec.low, spec.high))
    higher = data.draw(st.integers(lower, spec.high))
    order = BUCKETS_BY_KIND[kind]
    assert order.index(classify(kind, higher, thresholds)) <= order.index(
        classify(kind, lower, thresholds)
    )


@PROPERTIES
@given(st.sampled_from([(kind, t) for kind in SurveyKind for t in candidate_thresholds(kind)]))
def test_thresholds_are_accepted_exactly_when_every_bucket_can_be_reached(
    case: tuple[SurveyKind, Thresholds],
) -> None:
    kind, thresholds = case
    spec = KIND_SPECS[kind]
    has_passive = thresholds.passive_min is not None
    in_range = spec.low <= thresholds.satisfied_min <= spec.high and (
        not has_passive or spec.low <= thresholds.passive_min <= spec.high  # type: ignore[operator]
    )
    reachable = in_range and {classify(kind, s, thresholds) for s in spec.points} == set(
        BUCKETS_BY_KIND[kind]
    )
    expected = reachable and has_passive == (kind is SurveyKind.NPS)
    assert accepted(kind, thresholds) == expected
    if expected:
        top = BUCKETS_BY_KIND[kind][0]
        assert classify(kind, thresholds.satisfied_min, thresholds) is top
        assert classify(kind, thresholds.satisfied_min - 1, thresholds) is not top


@PROPERTIES
@given(KINDS, st.integers())
def test_a_score_off_the_scale_is_refused_never_clamped(kind: SurveyKind, score: int) -> None:
    spec = KIND_SPECS[kind]
    if spec.low <= score <= spec.high:
        assert classify(kind, score) in BUCKETS_BY_KIND[kind]
        assert validate_score(kind, str(score)) == score
        return
    message = f"the score must be between {spec.low} and {spec.high}"
    for value in (score, str(score), f" {score}\n"):
        try:
            classify(kind, value)  # type: ignore[arg-type]
        except InvalidScore as error:
            assert error.message == message
        else:
            raise AssertionError(f"{value!r} was filed")


#: A whole number as a form may send it, and what it reads as.
FORM_NUMBER = re.compile(r"\s*(-?[0-9]+)\s*", re.ASCII)


@PROPERTIES
@given(
    KINDS,
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789-+ .²³٣৫๒\u0660\uff15e_,"),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
        st.binary(max_size=4),
        st.lists(st.integers(0, 10), max_size=2),
        st.decimals(allow_nan=False, allow_infinity=False),
    ),
)
def test_only_whole_numbers_on_the_scale_are_filed(kind: SurveyKind, value: object) -> None:
    """Anything else is refused with a readable message, never an error of another kind."""
    spec = KIND_SPECS[kind]
    match = FORM_NUMBER.fullmatch(value) if isinstance(value, str) else None
    try:
        score = validate_score(kind, value)
    except InvalidScore as error:
        if match and spec.low <= int(match[1]) <= spec.high:
            raise AssertionError(f"{value!r} was refused: {error.message}") from error
        assert error.message in (
            "a score is required",
            "the score must be a whole number",
            f"the score must be between {spec.low} and {spec.high}",
        )
    else:
        assert match is not None, f"{value!r} was accepted as {score}"
        assert score == int(match[1])
        assert spec.low <= score <= spec.high
