"""What the hosted survey page and the embed share: the answer form, the texts and the colours."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import g, make_response, render_template
from flask_babel import get_locale, gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import HiddenField, StringField, TextAreaField, ValidationError
from wtforms.validators import Length

from feedback_app.branding import accent_colors, survey_words
from feedback_app.i18n import customer_locale
from feedback_app.models import Survey
from feedback_app.web.security_headers import content_security_policy, nonce, set_policy
from surveys.answers import MAX_COMMENT_LENGTH, ResponseSource
from surveys.errors import InvalidScore
from surveys.kinds import ScaleSpec, validate_score
from surveys.questions import (
    MAX_TEXT_ANSWER_LENGTH,
    RATING_HIGH,
    RATING_LOW,
    Answer,
    QuestionSpec,
    QuestionType,
    answer_field,
    pick_question_text,
)


class AnswerForm(FlaskForm):
    """A score on the survey's scale and an optional comment.

    The score is checked by the domain's ``validate_score`` (no second copy of the scale rule);
    only the message shown to the customer is worded, and translated, here.
    """

    score = StringField()
    comment = TextAreaField(
        validators=[
            Length(
                max=MAX_COMMENT_LENGTH,
                message=lazy_gettext("Please keep your comment under %(max)d characters."),
            )
        ]
    )
    #: ``email`` when the page was opened from a one-click score link in the invitation.
    via = HiddenField()

    def __init__(self, scale: ScaleSpec, **kwargs: Any) -> None:
        self.scale = scale
        super().__init__(**kwargs)

    def validate_score(self, field: StringField) -> None:
        if not field.data or not field.data.strip():
            raise ValidationError(gettext("Please choose a score."))
        try:
            field.data = str(validate_score(self.scale.kind, field.data))
        except InvalidScore:
            raise ValidationError(out_of_scale_message(self.scale)) from None

    @property
    def source(self) -> ResponseSource:
        return ResponseSource.EMAIL if self.via.data == "email" else ResponseSource.PAGE


def out_of_scale_message(scale: ScaleSpec) -> str:
    return gettext(
        "Please choose a score from %(low)d to %(high)d.", low=scale.low, high=scale.high
    )


def preselected_score(scale: ScaleSpec, raw: str | None) -> tuple[int | None, str | None]:
    """The ``?score=`` of a one-click link as (score, None), or (None, a message) if it is bad."""
    if raw is None:
        return None, None
    try:
        return validate_score(scale.kind, raw), None
    except InvalidScore:
        return None, gettext(
            "That score is not on this survey's scale. %(hint)s", hint=out_of_scale_message(scale)
        )


def page_context(survey: Survey) -> dict[str, Any]:
    """What every survey template needs besides its form; call once the locale is known."""
    words = survey_words(survey, customer_locale())
    return {
        "survey": survey,
        "scale": survey.scale,
        "words": words,
        "question": words.question,
        "followup": words.followup,
        "max_comment": MAX_COMMENT_LENGTH,
        "accent": accent_colors(survey.accent_color),
        "lang": words.language,
        "dir": words.direction,
        "csp_nonce": nonce(),
    }


def customer_page(
    template: str, status: int = 200, ancestors: Iterable[str] = (), **context: Any
) -> WerkzeugResponse:
    """Render a customer-facing page under the strict policy, framable only by ``ancestors``."""
    response = make_response(render_template(template, **context), status)
    return set_policy(response, content_security_policy(ancestors))


def message_page(
    status: int,
    title: str,
    message: str,
    *,
    survey: Survey | None = None,
    ancestors: Iterable[str] = (),
    **context: Any,
) -> WerkzeugResponse:
    """A readable page that says why the survey cannot be shown or answered."""
    base = page_context(survey) if survey else {"lang": str(get_locale()), "csp_nonce": nonce()}
    return customer_page(
        "survey/message.html", status, ancestors, title=title, message=message, **base, **context
    )


class QuestionsForm(FlaskForm):
    """The additional questions' form: its answers are read by ``posted_answers``, as the
    questions depend on the survey and the customer's bucket."""


def posted_answers(questions: Sequence[QuestionSpec], formdata: Any) -> dict[int, list[str]]:
    """The values posted for each question (``question-<id>``), as the domain validates them."""
    return {question.id: formdata.getlist(answer_field(question.id)) for question in questions}


@dataclass(frozen=True)
class AskedQuestion:
    """One question as the page shows it: texts picked for the customer, what is chosen."""

    id: int
    field: str
    type: str
    text: str
    required: bool
    #: (value, label) of each radio or checkbox; empty for a text question.
    options: tuple[tuple[str, str], ...]
    #: The values shown chosen or typed.
    values: tuple[str, ...]
    error: str | None


def customer_language() -> str:
    """The language to pick survey texts in: the customer's own locale when it is known
    (even one our catalogues lack), else the page's."""
    return getattr(g, "locale", None) or str(get_locale())


def asked_questions_view(
    questions: Sequence[QuestionSpec],
    *,
    stored: Sequence[Answer] = (),
    posted: Mapping[int, Sequence[str]] | None = None,
    problems: Mapping[str, str] | None = None,
) -> list[AskedQuestion]:
    """The questions as the page shows them, filled with ``posted`` values after a refused
    post, else with the ``stored`` answers."""
    language = customer_language()
    kept = {answer.question_id: _values_of(answer) for answer in stored}
    views = []
    for question in questions:
        values = (
            tuple(posted.get(question.id, ())) if posted is not None else kept.get(question.id, ())
        )
        views.append(
            AskedQuestion(
                id=question.id,
                field=answer_field(question.id),
                type=question.type.value,
                text=pick_question_text(question.texts, language),
                required=question.required,
                options=_options(question, language),
                values=values,
                error=_problem_words(question, values)
                if (problems or {}).get(answer_field(question.id))
                else None,
            )
        )
    return views


def _values_of(answer: Answer) -> tuple[str, ...]:
    if answer.choice_ids:
        return tuple(str(choice) for choice in answer.choice_ids)
    if answer.rating is not None:
        return (str(answer.rating),)
    return (answer.text or "",)


def _options(question: QuestionSpec, language: str) -> tuple[tuple[str, str], ...]:
    if question.type is QuestionType.RATING:
        return tuple((str(point), str(point)) for point in range(RATING_LOW, RATING_HIGH + 1))
    return tuple(
        (str(choice.id), pick_question_text(choice.texts, language)) for choice in question.offered
    )


def _problem_words(question: QuestionSpec, values: Sequence[str]) -> str:
    """What the customer reads about a refused answer, in their language."""
    if not any(value.strip() for value in values):
        return gettext("Please answer this question.")
    if question.type is QuestionType.ONE_CHOICE:
        return gettext("Please choose one of the answers.")
    if question.type is QuestionType.MANY_CHOICES:
        return gettext("Please choose among the answers shown.")
    if question.type is QuestionType.RATING:
        return gettext(
            "Please choose a rating from %(low)d to %(high)d.", low=RATING_LOW, high=RATING_HIGH
        )
    return gettext("Please keep your answer under %(max)d characters.", max=MAX_TEXT_ANSWER_LENGTH)


def questions_context(
    questions: Sequence[QuestionSpec],
    *,
    stored: Sequence[Answer] = (),
    posted: Mapping[int, Sequence[str]] | None = None,
    problems: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The template context of the additional questions shown once a score is saved."""
    if not questions:
        return {"questions": []}
    return {
        "questions": asked_questions_view(
            questions, stored=stored, posted=posted, problems=problems
        ),
        "max_text_answer": MAX_TEXT_ANSWER_LENGTH,
        "answered_questions": bool(stored),
    }
