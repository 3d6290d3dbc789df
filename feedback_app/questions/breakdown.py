"""Scores broken down by the answer to a choice question, read from the rollups.

Each response counts in the ``choice`` rollup rows of every choice it picked
(``services.rollups``), so a breakdown reads one row per choice and day, however many
responses there are: CSAT (or the kind's figures) among the customers who picked each
choice, and the share of the unhappy bucket (detractors, unsatisfied) who picked it, each
with its n and 95% interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Survey
from feedback_app.models.metrics import RollupDimension, ScoreRollup
from feedback_app.questions.models import SurveyQuestion
from feedback_app.questions.service import questions_of
from feedback_app.services.metrics import Period, _tallies, min_n
from surveys.kinds import SurveyKind
from surveys.metrics import Estimate, Tally, figures, proportion
from surveys.questions import CHOICE_TYPES, pick_question_text


@dataclass(frozen=True)
class ChoiceLine:
    choice_id: int
    label: str
    #: The kind's figures among the responses that picked this choice.
    figures: dict[str, Estimate]
    #: The share of the period's unhappy responses (detractors, unsatisfied) that picked it.
    unhappy_share: Estimate


@dataclass(frozen=True)
class ChoiceBreakdown:
    question: SurveyQuestion
    lines: list[ChoiceLine]
    #: The period's unhappy responses to the question's survey: the shares' denominator.
    unhappy: int


def choice_questions(kind: SurveyKind) -> list[SurveyQuestion]:
    """The one-choice and several-choices questions of ``kind``'s surveys, in order."""
    return [q for q in questions_of(kind, None) if q.type in CHOICE_TYPES]


def choice_breakdown(question: SurveyQuestion, period: Period) -> ChoiceBreakdown:
    """The question's choices, each with the figures of the responses that picked it."""
    survey = db.session.get(Survey, question.survey_id)
    assert survey is not None
    surveys = {survey.id: survey}
    by_choice = _tallies(
        survey.kind,
        surveys,
        period,
        RollupDimension.CHOICE,
        ScoreRollup.value,
        segment=str(question.id),
    )
    total = sum(
        _tallies(survey.kind, surveys, period, RollupDimension.ALL, sa.literal(1)).values(),
        Tally(),
    )
    floor = min_n()
    lines = [
        ChoiceLine(
            choice.id,
            pick_question_text(choice.texts, None) + (" (retired)" if choice.retired else ""),
            figures(survey.kind, by_choice.get(str(choice.id), Tally()), floor),
            proportion(by_choice.get(str(choice.id), Tally()).bottom, total.bottom, floor),
        )
        for choice in question.choices
        if not choice.retired or str(choice.id) in by_choice
    ]
    return ChoiceBreakdown(question, lines, total.bottom)
