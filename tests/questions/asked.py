"""A CSAT survey with one question of each type, the reason list for unsatisfied customers
(``add_asked``, also used by the browser tests)."""

from __future__ import annotations

from dataclasses import dataclass

from feedback_app.models import Survey
from feedback_app.questions.editing import add_question
from feedback_app.questions.models import SurveyQuestion
from feedback_app.services.surveys import survey_for_kind
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind
from surveys.questions import QuestionDraft, QuestionType
from tests.helpers import FrozenClock


@dataclass(frozen=True)
class Asked:
    survey: Survey
    reason: SurveyQuestion
    topics: SurveyQuestion
    word: SurveyQuestion
    stars: SurveyQuestion

    def choice(self, question: SurveyQuestion, english: str) -> int:
        return next(c.id for c in question.choices if c.texts["en"] == english)


def add_asked(clock: FrozenClock) -> Asked:
    """The main CSAT survey's four questions, one of each type."""
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)

    def add(kind: QuestionType, en: str, fr: str, choices=(), **options: object) -> SurveyQuestion:
        draft = QuestionDraft(
            kind,
            {"en": en, "fr": fr},
            bool(options.get("required", False)),
            frozenset(options.get("shown_to", ())),
            tuple((None, texts) for texts in choices),
        )
        return add_question(survey, draft, clock.now)

    reason = add(
        QuestionType.ONE_CHOICE,
        "What was the main reason?",
        "Quelle était la raison principale ?",
        [{"en": "Too slow", "fr": "Trop lent"}, {"en": "Not solved", "fr": "Pas résolu"}],
        required=True,
        shown_to=[Bucket.UNSATISFIED],
    )
    topics = add(
        QuestionType.MANY_CHOICES,
        "What was it about?",
        "De quoi s'agissait-il ?",
        [{"en": "Billing"}, {"en": "Delivery"}, {"en": "Returns"}],
    )
    word = add(QuestionType.TEXT, "One word for us?", "Un mot pour nous ?")
    stars = add(QuestionType.RATING, "Rate our website", "Notez notre site")
    return Asked(survey, reason, topics, word, stars)
