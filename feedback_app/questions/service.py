"""A survey's additional questions as the rules read them, and the answers customers give.

``record_answers`` is the one place answers are written: after the score (the response row
exists first, so leaving before the questions loses nothing), and again on an edit within the
response's edit window. It marks the response unsettled, so the worker sends the webhook and
moves the rollups (``services.settling``), as for a changed score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from feedback_app.extensions import db
from feedback_app.models import Response, Survey
from feedback_app.questions.models import QuestionChoice, ResponseAnswer, SurveyQuestion
from feedback_app.services.claims import take_write_lock
from feedback_app.services.responses import edit_window
from surveys.answers import EditWindowClosed, can_edit
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind
from surveys.questions import (
    CHOICE_TYPES,
    Answer,
    ChoiceSpec,
    QuestionSpec,
    pick_question_text,
    questions_for,
)


def survey_questions(survey_id: int) -> list[SurveyQuestion]:
    """The survey's questions in order, with their choices (retired ones too)."""
    return list(
        db.session.scalars(
            sa.select(SurveyQuestion)
            .where(SurveyQuestion.survey_id == survey_id)
            .order_by(SurveyQuestion.position, SurveyQuestion.id)
            .options(selectinload(SurveyQuestion.choices))
        )
    )


def spec_of(question: SurveyQuestion) -> QuestionSpec:
    """A stored question as the domain rules take it."""
    return QuestionSpec(
        id=question.id,
        type=question.type,
        texts=dict(question.texts),
        required=question.required,
        shown_to=frozenset(Bucket(name) for name in question.shown_to),
        choices=tuple(
            ChoiceSpec(choice.id, dict(choice.texts), choice.retired) for choice in question.choices
        ),
    )


def survey_specs(survey_id: int) -> list[QuestionSpec]:
    return [spec_of(question) for question in survey_questions(survey_id)]


def asked_questions(response: Response) -> list[QuestionSpec]:
    """The questions the customer who gave ``response`` is asked, for its bucket now."""
    return questions_for(survey_specs(response.survey_id), response.bucket)


def answers_by_response(response_ids: Iterable[int]) -> dict[int, list[Answer]]:
    """Each response's answers, per question in the survey's order; no entry for none."""
    ids = list(response_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            ResponseAnswer.response_id,
            ResponseAnswer.question_id,
            ResponseAnswer.choice_id,
            ResponseAnswer.text,
            ResponseAnswer.rating,
        )
        .join(SurveyQuestion, SurveyQuestion.id == ResponseAnswer.question_id)
        .outerjoin(QuestionChoice, QuestionChoice.id == ResponseAnswer.choice_id)
        .where(ResponseAnswer.response_id.in_(ids))
        .order_by(
            ResponseAnswer.response_id,
            SurveyQuestion.position,
            SurveyQuestion.id,
            QuestionChoice.position,
            QuestionChoice.id,
        )
    )
    parts: dict[int, dict[int, list[Any]]] = defaultdict(dict)
    for response_id, question_id, choice_id, text, rating in rows:
        parts[response_id].setdefault(question_id, []).append((choice_id, text, rating))
    return {
        response_id: [_answer(question_id, rows) for question_id, rows in questions.items()]
        for response_id, questions in parts.items()
    }


def _answer(question_id: int, rows: list[Any]) -> Answer:
    choices = tuple(choice for choice, _, _ in rows if choice is not None)
    _, text, rating = rows[0]
    return Answer(question_id, choice_ids=choices, text=text, rating=rating)


def answers_of(response: Response) -> list[Answer]:
    return answers_by_response([response.id]).get(response.id, [])


def answer_json(answer: Answer) -> dict[str, Any]:
    """An answer as the API and the webhooks give it: its question and choices, text or rating.

    A choice question's answer always names a choice, so its parts say its type.
    """
    if answer.choice_ids:
        return {"question": answer.question_id, "choices": list(answer.choice_ids)}
    if answer.rating is not None:
        return {"question": answer.question_id, "rating": answer.rating}
    return {"question": answer.question_id, "text": answer.text}


def answers_as_json(answers: Iterable[Answer]) -> list[dict[str, Any]]:
    return [answer_json(answer) for answer in answers]


def answers_json(response_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The ``answers`` of each response as the API and the webhooks give them, by id."""
    return {
        response_id: answers_as_json(answers)
        for response_id, answers in answers_by_response(response_ids).items()
    }


def record_answers(
    response: Response, asked: Sequence[QuestionSpec], answers: Sequence[Answer], now: datetime
) -> None:
    """Replace the response's answers to the ``asked`` questions with ``answers``; commits.

    Answers to questions not asked this time (another bucket's, before a score change) are
    kept. An unchanged post writes nothing.

    :param asked: the questions the form showed (``asked_questions``), already validated.
    :raises EditWindowClosed: the response is older than ``EDIT_WINDOW_DAYS``.
    """
    take_write_lock()
    db.session.refresh(response, with_for_update=True)
    if not can_edit(response.created_at, now, edit_window()):
        raise EditWindowClosed("this answer can no longer be changed")
    asked_ids = {question.id for question in asked}
    before = {a for a in answers_of(response) if a.question_id in asked_ids}
    if before == set(answers):
        db.session.commit()
        return
    db.session.execute(
        sa.delete(ResponseAnswer).where(
            ResponseAnswer.response_id == response.id,
            ResponseAnswer.question_id.in_(asked_ids),
        )
    )
    db.session.add_all(_rows(response.id, answers))
    response.updated_at = now
    response.unsettled = True
    # As in ``record_response``: written even when it reads True, so a settling worker's
    # commit cannot leave the new answers settled.
    flag_modified(response, "unsettled")
    db.session.commit()


def _rows(response_id: int, answers: Iterable[Answer]) -> Iterable[ResponseAnswer]:
    for answer in answers:
        if answer.choice_ids:
            for choice_id in answer.choice_ids:
                yield ResponseAnswer(
                    response_id=response_id, question_id=answer.question_id, choice_id=choice_id
                )
        else:
            yield ResponseAnswer(
                response_id=response_id,
                question_id=answer.question_id,
                text=answer.text,
                rating=answer.rating,
            )


def questions_of(kind: SurveyKind | None, survey_id: int | None) -> list[SurveyQuestion]:
    """The questions of one survey, or of every survey of ``kind`` (or of all), in order."""
    query = sa.select(SurveyQuestion).options(selectinload(SurveyQuestion.choices))
    if survey_id is not None:
        query = query.where(SurveyQuestion.survey_id == survey_id)
    elif kind is not None:
        query = query.join(Survey, Survey.id == SurveyQuestion.survey_id).where(Survey.kind == kind)
    order = (SurveyQuestion.survey_id, SurveyQuestion.position, SurveyQuestion.id)
    return list(db.session.scalars(query.order_by(*order)))


def answer_cells(
    questions: Sequence[SurveyQuestion], answers: Sequence[Answer]
) -> list[str | int | None]:
    """One cell per question, as the CSV shows it: the choices' texts (``; ``-separated), the
    text or the rating; empty when unanswered."""
    by_question = {answer.question_id: answer for answer in answers}
    cells: list[str | int | None] = []
    for question in questions:
        answer = by_question.get(question.id)
        if answer is None:
            cells.append(None)
        elif question.type.has_choices:
            names = {
                choice.id: pick_question_text(choice.texts, None) for choice in question.choices
            }
            cells.append("; ".join(names.get(choice, str(choice)) for choice in answer.choice_ids))
        else:
            cells.append(answer.rating if answer.rating is not None else answer.text)
    return cells


def question_heading(question: SurveyQuestion) -> str:
    """A question's CSV column heading: its id and its text."""
    return f"question {question.id}: {pick_question_text(question.texts, None)}"


def with_answers(
    responses: Iterable[Response], batch: int = 500
) -> Iterator[tuple[Response, list[Answer]]]:
    """Each response with its answers, the answers read one query per ``batch`` responses."""
    chunk: list[Response] = []
    for response in responses:
        chunk.append(response)
        if len(chunk) == batch:
            yield from _answered(chunk)
            chunk = []
    yield from _answered(chunk)


def _answered(chunk: list[Response]) -> Iterator[tuple[Response, list[Answer]]]:
    answers = answers_by_response(response.id for response in chunk)
    for response in chunk:
        yield response, answers.get(response.id, [])


def readable_answers(response: Response) -> list[tuple[str, str]]:
    """A response's answers as staff read them: (question, answer) in the survey's order."""
    questions = survey_questions(response.survey_id)
    cells = answer_cells(questions, answers_of(response))
    return [
        (pick_question_text(question.texts, None), str(cell))
        for question, cell in zip(questions, cells, strict=True)
        if cell is not None
    ]


def reason_options() -> list[tuple[str, str]]:
    """Every choice of a choice question, as a filter offers it: (id, "Question: choice")."""
    rows = db.session.execute(
        sa.select(
            QuestionChoice.id, QuestionChoice.texts, QuestionChoice.retired, SurveyQuestion.texts
        )
        .join(SurveyQuestion, SurveyQuestion.id == QuestionChoice.question_id)
        .where(SurveyQuestion.type.in_(CHOICE_TYPES))
        .order_by(SurveyQuestion.survey_id, SurveyQuestion.position, QuestionChoice.position)
    )
    return [
        (
            str(choice_id),
            f"{pick_question_text(question, None)}: {pick_question_text(choice, None)}"
            + (" (retired)" if retired else ""),
        )
        for choice_id, choice, retired, question in rows
    ]


def picked_choices(response_ids: Iterable[int]) -> dict[int, tuple[tuple[str, str], ...]]:
    """The choices each response picked now, as the rollups count them: (question, choice)
    id texts, in answer order."""
    ids = list(response_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ResponseAnswer.response_id, ResponseAnswer.question_id, ResponseAnswer.choice_id)
        .where(ResponseAnswer.response_id.in_(ids), ResponseAnswer.choice_id.is_not(None))
        .order_by(ResponseAnswer.response_id, ResponseAnswer.id)
    )
    picked: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for response_id, question_id, choice_id in rows:
        picked[response_id].append((str(question_id), str(choice_id)))
    return {response_id: tuple(pairs) for response_id, pairs in picked.items()}
