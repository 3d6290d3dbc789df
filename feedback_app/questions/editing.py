"""Admins' edits of a survey's additional questions: add, change, reorder, delete, or the
whole list at once (the API).

Choices are matched by id: an edit renames a kept choice (its answers keep pointing at it),
adds the new ones and retires the ones left out, so past answers still read as given.
Questions are matched by id the same way when the whole list is replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import Response, Survey
from feedback_app.models.metrics import RollupDimension, ScoreRollup
from feedback_app.questions.models import QuestionChoice, ResponseAnswer, SurveyQuestion
from feedback_app.questions.service import spec_of, survey_questions
from surveys.kinds import SurveyKind
from surveys.questions import (
    MAX_QUESTIONS,
    InvalidQuestion,
    QuestionDraft,
    QuestionType,
    Texts,
    check_draft,
    parse_buckets,
)
from surveys.settings import InvalidSettings


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
    _check_choice_ids(question, draft)
    _apply(question, draft)
    _log(question, "changed")
    db.session.commit()


def _check_choice_ids(question: SurveyQuestion | None, draft: QuestionDraft) -> None:
    """Refuse a choice id that is not one of ``question``'s (any, for a new question), or
    one given twice."""
    known = {choice.id for choice in question.choices} if question is not None else set()
    seen: set[int] = set()
    for index, (choice_id, _) in enumerate(draft.choices):
        if choice_id is None:
            continue
        field = f"choices[{index}].id"
        if choice_id not in known:
            raise InvalidQuestion(f"choice {choice_id} is not one of this question's", field)
        if choice_id in seen:
            raise InvalidQuestion(f"choice {choice_id} is given twice", field)
        seen.add(choice_id)


@dataclass(frozen=True)
class QuestionEdit:
    """One question of a survey's whole list as the API gives it: an existing question's id
    (None for a new one) and what it becomes, its audience as bucket names."""

    id: int | None
    type: QuestionType
    texts: Texts
    required: bool
    shown_to: Sequence[str]
    choices: tuple[tuple[int | None, Texts], ...]

    def draft(self, kind: SurveyKind) -> QuestionDraft:
        """:raises InvalidQuestion: a bucket that is not one of ``kind``'s."""
        buckets = parse_buckets(kind, self.shown_to)
        return QuestionDraft(self.type, self.texts, self.required, buckets, self.choices)


def replace_questions(survey: Survey, edits: Sequence[QuestionEdit], now: datetime) -> None:
    """Make the survey's questions ``edits``, in that order; flushes, the caller commits.

    A question given with its id stays that question (its answers with it), one without an
    id is added, one left out is deleted with its answers as ``delete_question`` does.

    :raises InvalidSettings: naming every bad part (``questions[1].choices[0].text.fr``);
        nothing is changed then.
    """
    if len(edits) > MAX_QUESTIONS:
        raise InvalidSettings({"questions": f"a survey has at most {MAX_QUESTIONS} questions"})
    existing = {question.id: question for question in survey_questions(survey.id)}
    drafts: list[QuestionDraft] = []
    problems: dict[str, str] = {}
    given: set[int] = set()
    for index, edit in enumerate(edits):
        try:
            if edit.id is not None and edit.id not in existing:
                raise InvalidQuestion(f"question {edit.id} is not one of this survey's", "id")
            if edit.id in given:
                raise InvalidQuestion(f"question {edit.id} is given twice", "id")
            if edit.id is not None:
                given.add(edit.id)
            draft = edit.draft(survey.kind)
            check_draft(draft)
            _check_choice_ids(existing.get(edit.id) if edit.id is not None else None, draft)
        except InvalidQuestion as error:
            problems[f"questions[{index}].{error.field or 'text'}"] = error.message
        else:
            drafts.append(draft)
    if problems:
        raise InvalidSettings(problems)
    for question_id, question in existing.items():
        if question_id not in given:
            _remove(question)
    for position, (edit, draft) in enumerate(zip(edits, drafts, strict=True)):
        question = existing.get(edit.id) if edit.id is not None else None
        if question is None:
            question = SurveyQuestion(survey_id=survey.id, position=position, created_at=now)
            _apply(question, draft)
            db.session.add(question)
            db.session.flush()
            _log(question, "added")
            continue
        before = (spec_of(question), question.position)
        question.position = position
        _apply(question, draft)
        db.session.flush()
        if (spec_of(question), question.position) != before:
            _log(question, "changed")


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
    _remove(question)
    for position, row in enumerate(survey_questions(survey_id)):
        row.position = position
    db.session.commit()


def _remove(question: SurveyQuestion) -> None:
    _log(question, "deleted")
    _uncount(question)
    db.session.delete(question)
    db.session.flush()


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
