"""Additional questions asked after the score: which a customer sees, and what a valid answer is.

A survey's questions come in order, each of one ``QuestionType``, shown to everyone or only to
some buckets (the reason list only to detractors), optional or required. Every text is kept
per language tag (``{"en": "What was the main reason?", "fr": "..."}``) and picked for the
customer by ``pick_question_text``. Choices keep their id when renamed, so their answers keep
their meaning; a removed choice is retired (no longer offered) rather than forgotten.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from surveys.bucketing import BUCKETS_BY_KIND, Bucket
from surveys.errors import DomainError
from surveys.kinds import SurveyKind
from surveys.languages import FALLBACK_LANGUAGE, normalise_tag, pick_text

#: A short free text: a word or a sentence, not a second comment box.
MAX_TEXT_ANSWER_LENGTH = 500
#: The bounds of a rating question.
RATING_LOW, RATING_HIGH = 1, 5
MAX_QUESTION_TEXT_LENGTH = 500
MAX_CHOICE_TEXT_LENGTH = 200
MAX_CHOICES = 30
MAX_QUESTIONS = 20

#: One text in every language it is written in: language tag -> text.
Texts = Mapping[str, str]


class QuestionType(enum.StrEnum):
    ONE_CHOICE = "one_choice"
    MANY_CHOICES = "many_choices"
    #: A short free text.
    TEXT = "text"
    #: A rating from ``RATING_LOW`` to ``RATING_HIGH``.
    RATING = "rating"

    @property
    def has_choices(self) -> bool:
        return self in (QuestionType.ONE_CHOICE, QuestionType.MANY_CHOICES)


#: The question types whose answers break scores down on the dashboard.
CHOICE_TYPES = frozenset({QuestionType.ONE_CHOICE, QuestionType.MANY_CHOICES})


class InvalidAnswer(DomainError):
    """An answer to one question that cannot be taken; ``field`` names the question."""

    def __init__(self, question_id: int, message: str) -> None:
        super().__init__(message, field=answer_field(question_id))
        self.question_id = question_id


class InvalidQuestion(DomainError):
    """A question definition an admin (or the API) cannot save; ``field`` names the part."""


def answer_field(question_id: int) -> str:
    """The form field of one question's answer: ``question-<id>``."""
    return f"question-{question_id}"


def pick_question_text(
    texts: Texts, locale: str | None, default_language: str | None = None
) -> str:
    """The version of a question's or a choice's text a customer reads: as every survey
    text is picked (``surveys.languages.pick_text``), then any written version."""
    picked = pick_text(texts, locale, default_language or FALLBACK_LANGUAGE)
    if picked is not None:
        return picked.text
    return next((text for text in texts.values() if text.strip()), "")


@dataclass(frozen=True)
class ChoiceSpec:
    """One choice of a question; ``id`` never changes, whatever the text becomes."""

    id: int
    texts: Texts
    #: Removed by an admin: no longer offered, its past answers kept.
    retired: bool = False


@dataclass(frozen=True)
class QuestionSpec:
    """One additional question as the rules need it."""

    id: int
    type: QuestionType
    texts: Texts
    required: bool = False
    #: The buckets it is shown to; empty for everyone.
    shown_to: frozenset[Bucket] = frozenset()
    choices: tuple[ChoiceSpec, ...] = field(default_factory=tuple)

    @property
    def offered(self) -> tuple[ChoiceSpec, ...]:
        """The choices a customer may pick now."""
        return tuple(choice for choice in self.choices if not choice.retired)

    def shown_for(self, bucket: Bucket) -> bool:
        return not self.shown_to or bucket in self.shown_to


def questions_for(questions: Sequence[QuestionSpec], bucket: Bucket) -> list[QuestionSpec]:
    """The questions a customer whose score fell in ``bucket`` is asked, in order."""
    return [question for question in questions if question.shown_for(bucket)]


@dataclass(frozen=True)
class Answer:
    """A valid answer to one question: exactly one of its parts is set."""

    question_id: int
    choice_ids: tuple[int, ...] = ()
    text: str | None = None
    rating: int | None = None


def validate_answer(question: QuestionSpec, values: Sequence[str]) -> Answer | None:
    """The answer ``values`` (as a form posts them) give ``question``; None when unanswered.

    :raises InvalidAnswer: a required question left unanswered, an unknown or retired choice,
        two choices for a one-choice question, a rating off 1-5, an overlong text.
    """
    given = [value.strip() for value in values if value.strip()]
    if not given:
        if question.required:
            raise InvalidAnswer(question.id, "this question needs an answer")
        return None
    if question.type.has_choices:
        return Answer(question.id, choice_ids=_choices(question, given))
    if len(given) > 1:
        raise InvalidAnswer(question.id, "this question takes one answer")
    if question.type is QuestionType.RATING:
        return Answer(question.id, rating=_rating(question.id, given[0]))
    if len(given[0]) > MAX_TEXT_ANSWER_LENGTH:
        raise InvalidAnswer(
            question.id, f"the answer must be at most {MAX_TEXT_ANSWER_LENGTH} characters"
        )
    return Answer(question.id, text=given[0])


def _choices(question: QuestionSpec, given: list[str]) -> tuple[int, ...]:
    offered = {str(choice.id): choice.id for choice in question.offered}
    unknown = [value for value in given if value not in offered]
    if unknown:
        raise InvalidAnswer(question.id, f"{unknown[0][:40]!r} is not one of the choices")
    picked = tuple(dict.fromkeys(offered[value] for value in given))
    if question.type is QuestionType.ONE_CHOICE and len(picked) > 1:
        raise InvalidAnswer(question.id, "choose only one answer")
    return picked


def _rating(question_id: int, value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 2:
        raise InvalidAnswer(question_id, f"the rating must be from {RATING_LOW} to {RATING_HIGH}")
    rating = int(value)
    if not RATING_LOW <= rating <= RATING_HIGH:
        raise InvalidAnswer(question_id, f"the rating must be from {RATING_LOW} to {RATING_HIGH}")
    return rating


def validate_answers(
    questions: Sequence[QuestionSpec], posted: Mapping[int, Sequence[str]]
) -> tuple[list[Answer], dict[str, str]]:
    """Every question's answer from a post, and every problem by field (empty when none).

    :param questions: the questions the customer was asked (``questions_for``).
    :param posted: the values posted for each question id; a missing id is unanswered.
    """
    answers: list[Answer] = []
    problems: dict[str, str] = {}
    for question in questions:
        try:
            answer = validate_answer(question, posted.get(question.id, ()))
        except InvalidAnswer as error:
            problems[error.field or ""] = error.message
            continue
        if answer is not None:
            answers.append(answer)
    return answers, problems


@dataclass(frozen=True)
class QuestionDraft:
    """A question as an admin or the API wants it saved, before it has an id."""

    type: QuestionType
    texts: Texts
    required: bool
    shown_to: frozenset[Bucket]
    #: (existing choice id or None for a new one, texts), in order.
    choices: tuple[tuple[int | None, Texts], ...] = ()


def parse_buckets(kind: SurveyKind, names: Iterable[str]) -> frozenset[Bucket]:
    """The buckets ``names`` give, each one of ``kind``'s; raises naming ``shown_to``."""
    allowed = BUCKETS_BY_KIND[kind]
    buckets = set()
    for name in names:
        bucket = next((b for b in allowed if b.value == name), None)
        if bucket is None:
            expected = ", ".join(b.value for b in allowed)
            raise InvalidQuestion(
                f"{name[:40]!r} is not a bucket of this survey; expected {expected}",
                field="shown_to",
            )
        buckets.add(bucket)
    return frozenset(buckets)


def check_draft(draft: QuestionDraft, default_language: str = FALLBACK_LANGUAGE) -> None:
    """Refuse a question no customer could answer well; ``field`` names the bad part.

    :raises InvalidQuestion: no text in the default language, an overlong text, a choice
        question with fewer than two choices (or more than ``MAX_CHOICES``), a blank choice.
    """
    _check_texts(draft.texts, "text", MAX_QUESTION_TEXT_LENGTH, default_language)
    if not draft.type.has_choices:
        if draft.choices:
            raise InvalidQuestion(f"a {draft.type.value} question has no choices", "choices")
        return
    if not 2 <= len(draft.choices) <= MAX_CHOICES:
        raise InvalidQuestion(f"give from 2 to {MAX_CHOICES} choices", "choices")
    for index, (_, texts) in enumerate(draft.choices):
        _check_texts(texts, f"choices[{index}].text", MAX_CHOICE_TEXT_LENGTH, default_language)


def _check_texts(texts: Texts, name: str, longest: int, default_language: str) -> None:
    for tag, text in texts.items():
        if normalise_tag(tag) is None:
            raise InvalidQuestion("must be a language tag such as en, fr or pt-BR", f"{name}.{tag}")
        if len(text) > longest:
            raise InvalidQuestion(f"must be at most {longest} characters", f"{name}.{tag}")
    if not texts.get(default_language, "").strip():
        raise InvalidQuestion(f"must not be empty in {default_language}", name)
