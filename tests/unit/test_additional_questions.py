"""The rules of additional questions: who is asked what, what an answer may be, which text."""

from __future__ import annotations

import pytest

from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind
from surveys.questions import (
    Answer,
    ChoiceSpec,
    InvalidAnswer,
    InvalidQuestion,
    QuestionDraft,
    QuestionSpec,
    QuestionType,
    check_draft,
    parse_buckets,
    pick_question_text,
    questions_for,
    validate_answer,
    validate_answers,
)

REASON = QuestionSpec(
    1,
    QuestionType.ONE_CHOICE,
    {"en": "What was the main reason?"},
    required=True,
    shown_to=frozenset({Bucket.DETRACTOR}),
    choices=(
        ChoiceSpec(10, {"en": "Price"}),
        ChoiceSpec(11, {"en": "Speed"}),
        ChoiceSpec(12, {"en": "Old"}, retired=True),
    ),
)
TOPICS = QuestionSpec(
    2,
    QuestionType.MANY_CHOICES,
    {"en": "Topics"},
    choices=(ChoiceSpec(20, {"en": "A"}), ChoiceSpec(21, {"en": "B"})),
)
WORD = QuestionSpec(3, QuestionType.TEXT, {"en": "One word"})
STARS = QuestionSpec(4, QuestionType.RATING, {"en": "Stars"}, required=True)
ALL = [REASON, TOPICS, WORD, STARS]


def test_a_bucket_sees_the_questions_for_everyone_and_its_own_in_order() -> None:
    assert [q.id for q in questions_for(ALL, Bucket.DETRACTOR)] == [1, 2, 3, 4]
    assert [q.id for q in questions_for(ALL, Bucket.PROMOTER)] == [2, 3, 4]


def test_one_choice_takes_one_offered_choice() -> None:
    assert validate_answer(REASON, ["11"]) == Answer(1, choice_ids=(11,))
    with pytest.raises(InvalidAnswer, match="choose only one answer") as error:
        validate_answer(REASON, ["10", "11"])
    assert error.value.field == "question-1"
    with pytest.raises(InvalidAnswer, match="'12' is not one of the choices"):
        validate_answer(REASON, ["12"])
    with pytest.raises(InvalidAnswer, match="'x' is not one of the choices"):
        validate_answer(REASON, ["x"])


def test_many_choices_take_several_once_each() -> None:
    assert validate_answer(TOPICS, ["21", "20", "21"]) == Answer(2, choice_ids=(21, 20))
    assert validate_answer(TOPICS, []) is None


def test_text_is_short_and_trimmed() -> None:
    assert validate_answer(WORD, ["  slow  "]) == Answer(3, text="slow")
    assert validate_answer(WORD, ["   "]) is None
    with pytest.raises(InvalidAnswer, match="at most 500 characters"):
        validate_answer(WORD, ["x" * 501])


@pytest.mark.parametrize("value", ["0", "6", "²", "3.5", "-1", "five"])
def test_a_rating_is_a_whole_number_from_1_to_5(value: str) -> None:
    with pytest.raises(InvalidAnswer, match="the rating must be from 1 to 5"):
        validate_answer(STARS, [value])


def test_required_questions_must_be_answered_and_every_problem_is_named() -> None:
    answers, problems = validate_answers(ALL, {2: ["20"], 4: ["9"]})
    assert answers == [Answer(2, choice_ids=(20,))]
    assert problems == {
        "question-1": "this question needs an answer",
        "question-4": "the rating must be from 1 to 5",
    }
    answers, problems = validate_answers(ALL, {1: ["10"], 4: ["5"]})
    assert (answers, problems) == ([Answer(1, choice_ids=(10,)), Answer(4, rating=5)], {})


@pytest.mark.parametrize(
    ("locale", "default", "expected"),
    [
        ("fr", None, "Pourquoi ?"),
        ("fr-CA", None, "Pourquoi ?"),
        ("FR_ca", None, "Pourquoi ?"),
        ("de", None, "Why?"),
        ("de", "es", "¿Por qué?"),
        (None, None, "Why?"),
    ],
)
def test_the_text_read_falls_back_from_locale_to_base_to_default_to_english(
    locale: str | None, default: str | None, expected: str
) -> None:
    texts = {"en": "Why?", "fr": "Pourquoi ?", "es": "¿Por qué?", "de": "  "}
    assert pick_question_text(texts, locale, default) == expected


def test_without_english_any_written_text_is_read() -> None:
    assert pick_question_text({"nl": "Waarom?"}, "de") == "Waarom?"
    assert pick_question_text({}, "de") == ""


def test_a_question_needs_its_text_and_two_blank_free_choices() -> None:
    good = QuestionDraft(
        QuestionType.ONE_CHOICE,
        {"en": "Why?"},
        True,
        frozenset(),
        ((None, {"en": "A"}), (5, {"en": "B"})),
    )
    check_draft(good)
    cases = [
        (QuestionDraft(QuestionType.TEXT, {"fr": "Pourquoi"}, False, frozenset()), "text"),
        (
            QuestionDraft(
                QuestionType.ONE_CHOICE, {"en": "Why?"}, False, frozenset(), ((None, {"en": "A"}),)
            ),
            "choices",
        ),
        (
            QuestionDraft(
                QuestionType.ONE_CHOICE,
                {"en": "Why?"},
                False,
                frozenset(),
                ((None, {"en": "A"}), (None, {"en": " "})),
            ),
            "choices[1].text",
        ),
        (QuestionDraft(QuestionType.RATING, {"en": "x" * 501}, False, frozenset()), "text.en"),
        (
            QuestionDraft(
                QuestionType.RATING, {"en": "Stars"}, False, frozenset(), ((None, {"en": "A"}),)
            ),
            "choices",
        ),
    ]
    for draft, field in cases:
        with pytest.raises(InvalidQuestion) as error:
            check_draft(draft)
        assert error.value.field == field


def test_a_question_is_shown_only_to_its_kinds_buckets() -> None:
    assert parse_buckets(SurveyKind.NPS, ["detractor", "passive"]) == {
        Bucket.DETRACTOR,
        Bucket.PASSIVE,
    }
    with pytest.raises(InvalidQuestion, match="expected satisfied, unsatisfied") as error:
        parse_buckets(SurveyKind.CSAT, ["detractor"])
    assert error.value.field == "shown_to"
