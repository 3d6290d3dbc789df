"""The embeddable survey: ``/embed.js`` for host pages and the ``/embed/<public_key>`` iframe.

Only the survey's allowed origins may frame the iframe. A customer identity signed by the host's
back end ties the answer to that customer; without one the answer is anonymous; a wrong
signature is refused, never quietly taken as anonymous.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, request, send_from_directory
from flask_babel import get_locale, gettext
from flask_limiter import RateLimitExceeded
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import HiddenField

from feedback_app.clock import utcnow
from feedback_app.extensions import csrf, db, limiter
from feedback_app.models import Response, Survey
from feedback_app.services.responses import customer_for, find_customer, record_response
from feedback_app.web.answering import AnswerForm, customer_page, message_page, page_context
from feedback_app.web.security_headers import frame_ancestors
from surveys.answers import EditWindowClosed, ResponseSource
from surveys.identity import Identity, InvalidIdentity, verify_identity

bp = Blueprint("embed", __name__)
# The embed form carries its own signed token instead of the session CSRF token; see EmbedForm.
csrf.exempt(bp)

#: How long a rendered widget stays answerable before it must be reloaded.
FORM_TOKEN_MAX_AGE = 24 * 3600


class EmbedForm(AnswerForm):
    """The answer form with a stateless signed token in place of the session CSRF token.

    Browsers block or partition cookies in third-party iframes, so a session-bound CSRF token
    would fail for many real customers. Nothing in the embed rides on a cookie: the identity
    comes from the signed query parameters. The token, signed with the app secret,
    time-limited and bound to the survey (and after the first answer to that response), shows
    that a post comes from a widget we rendered and names the response a later post may edit.
    """

    class Meta:
        csrf = False

    form_token = HiddenField()


class _ClockSigner(TimestampSigner):
    """Dates form tokens by the app's clock, so their age is measured like everything else."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="embed-answer", signer=_ClockSigner
    )


def _form_token(survey: Survey, response: Response | None) -> str:
    return _serializer().dumps([survey.public_key, response.id if response else None])


def _answered(raw: str | None, survey: Survey, ancestors: list[str]) -> Response | None:
    """The response a form token lets this post edit (None for a first answer); else a 400."""
    try:
        key, response_id = _serializer().loads(raw or "", max_age=FORM_TOKEN_MAX_AGE)
    except (BadData, TypeError, ValueError):
        key, response_id = None, None
    response = db.session.get(Response, response_id) if isinstance(response_id, int) else None
    if key != survey.public_key or (response_id is not None and response is None):
        abort(
            message_page(
                400,
                gettext("This survey has expired"),
                gettext("Your answer was not saved. Please reload the page and answer again."),
                survey=survey,
                ancestors=ancestors,
                embedded=True,
            )
        )
    return response


def _survey(public_key: str) -> tuple[Survey, list[str]]:
    """The enabled survey with ``public_key`` and the origins that may frame it; else a 404."""
    survey = db.session.scalar(sa.select(Survey).where(Survey.public_key == public_key))
    if survey is None or not survey.enabled:
        abort(
            message_page(
                404,
                gettext("Survey not found"),
                gettext("This survey is not available."),
                embedded=True,
            )
        )
    return survey, frame_ancestors(survey.allowed_origins)


def _identity(survey: Survey, ancestors: list[str]) -> Identity | None:
    """The signed customer identity in the query string, checked.

    No identity at all means an anonymous answer. A wrong or missing signature is a 403, and
    an ``external_id`` naming nobody a 404, both said on the page so the host's developer sees
    them while wiring the widget in, before any customer answers. Called before any text is
    translated: a known customer's locale wins over ``?locale=``.
    """
    value = request.args.get("customer", "")
    signature = request.args.get("signature", "")
    if not value and not signature:
        return None
    try:
        identity = verify_identity(survey.embed_secret, value, signature)
    except InvalidIdentity:
        abort(
            message_page(
                403,
                gettext("This survey cannot be shown"),
                gettext("The customer identity given to this survey is not correctly signed."),
                survey=survey,
                ancestors=ancestors,
                embedded=True,
            )
        )
    customer = find_customer(identity)
    if customer is None and identity.email is None:
        abort(
            message_page(
                404,
                gettext("This survey cannot be shown"),
                gettext("The customer given to this survey is not known."),
                survey=survey,
                ancestors=ancestors,
                embedded=True,
            )
        )
    if customer is not None and customer.locale:
        g.locale = customer.locale
    return identity


def _widget(
    survey: Survey,
    ancestors: list[str],
    form: EmbedForm,
    status: int = 200,
    answer: Response | None = None,
) -> WerkzeugResponse:
    return customer_page(
        "survey/embed.html", status, ancestors, form=form, answer=answer, **page_context(survey)
    )


@bp.get("/embed.js")
def script() -> WerkzeugResponse:
    """The host-page loader: it inserts the iframe where the ``<script>`` tag stands."""
    return send_from_directory(
        os.path.join(current_app.static_folder or "", "js"),
        "embed.js",
        mimetype="text/javascript",
        max_age=3600,
    )


@bp.get("/embed/<public_key>")
def widget(public_key: str) -> WerkzeugResponse:
    survey, ancestors = _survey(public_key)
    g.locale = request.args.get("locale")
    _identity(survey, ancestors)
    form = EmbedForm(survey.scale, formdata=None, data={"form_token": _form_token(survey, None)})
    return _widget(survey, ancestors, form)


def _answers_limit() -> str:
    return str(current_app.config["EMBED_ANSWERS_LIMIT"])


@bp.post("/embed/<public_key>")
@limiter.limit(_answers_limit, scope="embed-answers")
def answer(public_key: str) -> WerkzeugResponse:
    survey, ancestors = _survey(public_key)
    g.locale = request.args.get("locale")
    identity = _identity(survey, ancestors)
    form = EmbedForm(survey.scale)
    existing = _answered(form.form_token.data, survey, ancestors)
    if not form.validate():
        return _widget(survey, ancestors, form, 422, existing)
    now = utcnow()
    try:
        stored = record_response(
            survey,
            form.score.data,
            form.comment.data,
            now,
            source=ResponseSource.EMBED,
            customer=customer_for(identity, now) if identity and not existing else None,
            response=existing,
            locale=str(get_locale()),
        )
    except EditWindowClosed:
        return message_page(
            403,
            gettext("This answer can no longer be changed"),
            gettext("Your answer was saved; the time to change it has passed."),
            survey=survey,
            ancestors=ancestors,
            embedded=True,
        )
    form.form_token.data = _form_token(survey, stored)
    return _widget(survey, ancestors, form, answer=stored)


@bp.errorhandler(RateLimitExceeded)
def too_many_answers(_error: RateLimitExceeded) -> WerkzeugResponse:
    """Anyone may answer an embedded survey, so a flood from one address stops here."""
    survey, ancestors = _survey((request.view_args or {}).get("public_key", ""))
    g.locale = request.args.get("locale")
    return message_page(
        429,
        gettext("Too many answers"),
        gettext("Too many answers came from your network just now. Please try again later."),
        survey=survey,
        ancestors=ancestors,
        embedded=True,
    )
