"""Admins' edits of a survey's additional questions: add, change, reorder, delete.

Choices are matched by id: an edit renames a kept choice (its answers keep pointing at it),
adds the new ones and retires the ones left out, so past answers still read as given.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import Response, Survey
from feedback_app.models.metrics import RollupDimension, ScoreRollup
from feedback_app.questions.models import QuestionChoice, ResponseAnswer, SurveyQuestion
from feedback_app.questions.service import survey_questions
from surveys.questions import MAX_QUESTIONS, InvalidQuestion, QuestionDraft, check_draft


def add_question(survey: Survey, draft: QuestionDraft, now: datetime) -> SurveyQuestion:
    """Add a question at the end of the survey's list; commits.

    :raises InvalidQuestion: as ``check_draft``, or the survey has ``MAX_QUESTIONS`` already.
    """
    check_draft(draft)
    existing = survey_questions(survey.id)
    if len(existing) >= MAX_QUESTIONS:
        raise InvalidQuestion(f"a survey has at most {MAX_QUESTIONS} questions", "questions")
    question = SurveyQuestion(survey_id=survey.id, position=len(existing), created_at=now)
    _apply(question, draft)
    db.session.add(question)
    db.session.flush()
    _log(question, "added")
    db.session.commit()
    return question


def update_question(question: SurveyQuestion, draft: QuestionDraft) -> None:
    """Change a question's type, texts, audience and choices; commits.

    :raises InvalidQuestion: as ``check_draft``, or a choice id that is not the question's.
    """
    check_draft(draft)
    known = {choice.id for choice in question.choices}
    for choice_id, _ in draft.choices:
        if choice_id is not None and choice_id not in known:
            raise InvalidQuestion(f"choice {choice_id} is not one of this question's", "choices")
    _apply(question, draft)
    _log(question, "changed")
    db.session.commit()


def _apply(question: SurveyQuestion, draft: QuestionDraft) -> None:
    question.type = draft.type
    question.texts = dict(draft.texts)
    question.required = draft.required
    question.shown_to = sorted(bucket.value for bucket in draft.shown_to)
    by_id = {choice.id: choice for choice in question.choices}
    kept = set()
    for position, (choice_id, texts) in enumerate(draft.choices):
        choice = by_id.get(choice_id) if choice_id is not None else None
        if choice is None:
            choice = QuestionChoice(texts={})
            question.choices.append(choice)
        else:
            kept.add(choice.id)
        choice.position, choice.texts, choice.retired = position, dict(texts), False
    for choice_id, choice in by_id.items():
        if choice_id not in kept:
            choice.retired = True
            choice.position = len(draft.choices) + choice.position


def move_question(question: SurveyQuestion, offset: int) -> None:
    """Move a question ``offset`` places up (negative) or down its survey's list; commits."""
    order = survey_questions(question.survey_id)
    index = next(i for i, row in enumerate(order) if row.id == question.id)
    target = max(0, min(len(order) - 1, index + offset))
    order.insert(target, order.pop(index))
    for position, row in enumerate(order):
        row.position = position
    _log(question, "moved")
    db.session.commit()


def delete_question(question: SurveyQuestion) -> None:
    """Delete a question and every answer to it, and take its answers out of the rollups;
    commits."""
    survey_id = question.survey_id
    _log(question, "deleted")
    _uncount(question)
    db.session.delete(question)
    db.session.flush()
    for position, row in enumerate(survey_questions(survey_id)):
        row.position = position
    db.session.commit()


def _uncount(question: SurveyQuestion) -> None:
    """Forget the question's ``choice`` rollup rows and its choices in ``counted_choices``."""
    db.session.execute(
        sa.delete(ScoreRollup).where(
            ScoreRollup.dimension == RollupDimension.CHOICE,
            ScoreRollup.survey_id == question.survey_id,
            ScoreRollup.segment == str(question.id),
        )
    )
    answered = sa.select(ResponseAnswer.response_id).where(
        ResponseAnswer.question_id == question.id
    )
    prefix = f"{question.id}:"
    for response in db.session.scalars(sa.select(Response).where(Response.id.in_(answered))):
        kept = [text for text in response.counted_choices or () if not text.startswith(prefix)]
        if kept != (response.counted_choices or []):
            response.counted_choices = kept


def _log(question: SurveyQuestion, change: str) -> None:
    audit.record(
        "survey.question_changed",
        f"survey:{question.survey_id}",
        {"question": question.id, "change": change},
    )
