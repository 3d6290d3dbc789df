"""GET /api/v1/surveys and GET and PUT /api/v1/surveys/<id>: what a survey's customers read.

A survey's texts per language, its default language and its additional questions with
their choices and audiences, read and changed with an admin key, checked by the same
services as the admin pages (``edit_survey``), so the API cannot store what the pages refuse.
"""

from __future__ import annotations

import re
from typing import Annotated

import sqlalchemy as sa
from flask import Blueprint
from pydantic import Field
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.languages.service import language_report
from feedback_app.models import ApiScope, Survey
from feedback_app.questions.editing import QuestionEdit
from feedback_app.questions.service import survey_questions
from feedback_app.services.survey_settings import SurveyEdit, edit_survey
from feedback_app.web.api.answers import Page
from feedback_app.web.api.errors import ApiError
from feedback_app.web.api.operations import operation
from feedback_app.web.api.paging import PageQuery, paginated
from feedback_app.web.inputs import Choice, Flag, Input, Labels, Text, WholeNumber
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind
from surveys.languages import MAX_TEXT_LENGTH, TEXT_FIELDS
from surveys.questions import (
    MAX_CHOICE_TEXT_LENGTH,
    MAX_CHOICES,
    MAX_QUESTION_TEXT_LENGTH,
    MAX_QUESTIONS,
    QuestionType,
)
from surveys.settings import InvalidSettings

bp = Blueprint("surveys_api", __name__)

#: One text by language tag; a null or blank version counts as absent.
TEXTS = 'By language tag: {"en": "What went wrong?", "fr": "Qu\'est-ce qui n\'a pas marché ?"}.'
QuestionText = Annotated[
    dict[str, Annotated[str | None, Text(max_length=MAX_QUESTION_TEXT_LENGTH)]],
    Field(description=TEXTS + " Required in English."),
]
ChoiceText = Annotated[
    dict[str, Annotated[str | None, Text(max_length=MAX_CHOICE_TEXT_LENGTH)]],
    Field(description=TEXTS + " Required in English."),
]
SurveyText = dict[str, Annotated[str | None, Text(max_length=MAX_TEXT_LENGTH)]]


class ChoiceIn(Input):
    id: Annotated[
        int | None,
        WholeNumber(1),
        Field(description="An existing choice's id, to keep it (and its answers); absent: new."),
    ] = None
    text: ChoiceText


class QuestionIn(Input):
    id: Annotated[
        int | None,
        WholeNumber(1),
        Field(description="An existing question's id, to keep it (and its answers); absent: new."),
    ] = None
    type: Annotated[QuestionType, Choice(QuestionType)]
    text: QuestionText
    required: Annotated[bool, Flag()] = False
    shown_to: Annotated[
        tuple[str, ...],
        Labels(max_items=10),
        Field(description="The buckets it is asked to; empty or absent for everyone."),
    ] = ()
    choices: Annotated[
        list[ChoiceIn],
        Field(
            description=f"2 to {MAX_CHOICES} for a choice question, in order; none otherwise.",
            json_schema_extra={"maxItems": MAX_CHOICES},
        ),
    ] = []


class SurveyIn(Input):
    """What to change; a part left out is kept as it is."""

    invalid_message = "invalid survey"

    default_language: Annotated[
        str | None,
        Text(max_length=35),
        Field(description="A language tag such as en, fr or pt-BR."),
    ] = None
    texts: Annotated[
        dict[str, SurveyText] | None,
        Field(
            description="Each text given replaces that text in every language ({} or only "
            "blanks: its usual wording); those not given are kept. Texts: "
            f"{', '.join(TEXT_FIELDS)}."
        ),
    ] = None
    questions: Annotated[
        list[QuestionIn] | None,
        Field(
            description="Every additional question, in order: one left out is deleted with "
            "its answers, a choice left out retired.",
            json_schema_extra={"maxItems": MAX_QUESTIONS},
        ),
    ] = None


class ChoiceOut(TypedDict):
    id: int
    text: dict[str, str]


class QuestionOut(TypedDict):
    id: int
    type: QuestionType
    #: Empty: asked to everyone.
    shown_to: list[Bucket]
    required: bool
    text: dict[str, str]
    #: The choices offered, in order (none for text and rating questions).
    choices: list[ChoiceOut]


class SurveyOut(TypedDict):
    id: int
    name: str
    kind: SurveyKind
    default_language: str
    #: Every language a text is written in, the default first.
    languages: list[str]
    #: Each customer-facing text by language tag; empty: the kind's usual wording.
    texts: dict[str, dict[str, str]]
    questions: list[QuestionOut]


def survey_json(survey: Survey) -> SurveyOut:
    return {
        "id": survey.id,
        "name": survey.name,
        "kind": survey.kind,
        "default_language": survey.default_language,
        "languages": language_report(survey).languages,
        "texts": {field: dict(survey.texts.get(field, {})) for field in TEXT_FIELDS},
        "questions": [
            {
                "id": question.id,
                "type": question.type,
                "shown_to": [Bucket(name) for name in question.shown_to],
                "required": question.required,
                "text": dict(question.texts),
                "choices": [
                    {"id": choice.id, "text": dict(choice.texts)}
                    for choice in question.choices
                    if not choice.retired
                ],
            }
            for question in survey_questions(survey.id)
        ],
    }


def _written(texts: dict[str, str | None]) -> dict[str, str]:
    return {tag: text for tag, text in texts.items() if text is not None}


def _edit(body: SurveyIn) -> SurveyEdit:
    questions = None
    if body.questions is not None:
        questions = [
            QuestionEdit(
                question.id,
                question.type,
                _written(question.text),
                question.required,
                question.shown_to,
                tuple((choice.id, _written(choice.text)) for choice in question.choices),
            )
            for question in body.questions
        ]
    texts = None
    if body.texts is not None:
        texts = {field: _written(versions) for field, versions in body.texts.items()}
    return SurveyEdit(body.default_language, texts, questions)


def _dotted(name: str) -> str:
    """A service's field name as the API names fields: ``questions[1]`` -> ``questions.1``."""
    return re.sub(r"\[(\d+)\]", r".\1", name)


def _survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise ApiError(404, f"no survey {survey_id}")
    return survey


@operation(
    bp, "GET", "/surveys", scope=ApiScope.ADMIN, query=PageQuery, answers={200: Page[SurveyOut]}
)
def list_surveys(query: PageQuery) -> Page[SurveyOut]:
    """Every survey, oldest first, with its texts and additional questions."""
    return paginated(sa.select(Survey).order_by(Survey.id), survey_json, query)


@operation(bp, "GET", "/surveys/<id:survey_id>", scope=ApiScope.ADMIN, answers={200: SurveyOut})
def get_survey(survey_id: int) -> SurveyOut:
    """One survey's texts in every language and its additional questions."""
    return survey_json(_survey(survey_id))


@operation(
    bp,
    "PUT",
    "/surveys/<id:survey_id>",
    scope=ApiScope.ADMIN,
    body=SurveyIn,
    answers={200: SurveyOut},
)
def put_survey(survey_id: int, body: SurveyIn) -> SurveyOut:
    """Change a survey's texts, default language or additional questions, only the parts
    given; a 422 names each bad field (``questions.1.choices.0.text.fr``) and keeps nothing."""
    survey = _survey(survey_id)
    try:
        edit_survey(survey, _edit(body), utcnow())
    except InvalidSettings as error:
        errors = {_dotted(name): message for name, message in error.errors.items()}
        raise ApiError(422, "invalid survey", errors) from None
    return survey_json(survey)
