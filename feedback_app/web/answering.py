"""What the hosted survey page and the embed share: the answer form, the texts and the colours."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import make_response, render_template
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
