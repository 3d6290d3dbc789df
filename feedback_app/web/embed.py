"""The embeddable survey: ``/embed.js`` for host pages and the ``/embed/<public_key>`` iframe.

Anyone can POST an answer to ``/embed/<public_key>``, from curl or from any site's page, so
one is taken only when all of this holds:

1. **Shown on an allowed site, posted from the widget.** Only the survey's allowed origins
   may frame the widget (``frame-ancestors``), and a survey without any takes no embedded
   answer at all (a 403). The widget's document is ours, so the form posted from inside
   the iframe carries *our* origin in its ``Origin`` header; the host page's origin is known
   only when the widget is loaded: the loader passes ``location.origin`` as ``?origin=``,
   the browser's ``Referer`` names the framing page (the two must agree), and a browser's
   ``Sec-Fetch-Dest`` must say it is a frame. The widget is served only to an allowed site,
   and that site is bound into the signed form token. An answer must then come with our own
   ``Origin`` (a form on another site's page carries that site's, curl none) and a token
   whose site is still allowed (``surveys.embedding``). So the embed pages say
   ``Referrer-Policy: same-origin`` (``web.security_headers``): under ``no-referrer`` a
   browser sends ``Origin: null`` even to us.
2. **A single-use, short-lived form token.** Signed with the app secret and bound to the
   survey, the site and the customer identity, it lives ``EMBED_FORM_TOKEN_MINUTES`` and is
   spent by the answer it carries (its id is kept until it would have expired). The page
   after an answer carries a fresh token naming the response, which lets the customer change
   that answer.
3. **A fresh signed identity.** The host's back end signs ``customer|issued_at``
   (``surveys.identity``); a signature without a time, older than
   ``EMBED_IDENTITY_MAX_AGE_HOURS`` when the widget was shown, or wrong is refused, never
   taken as anonymous.
4. **No replays.** A signed customer who answered the survey within its fatigue window is told
   the answer was already recorded (``services.embed.answers``); never a second response.
5. **Limits.** Answers per client address (``EMBED_ANSWERS_LIMIT``), and anonymous ones per
   survey and in total; a refusal is the widget's own page, in the customer's language, and
   is counted on the survey's admin page.

A widget refused for its site (1) or its identity (3) is the host developer's mistake, which
the customer can do nothing about: its page is empty, the loader removes the frame, and the
refusal is recorded for the survey's admin page (``services.embed.refusals``), which says
what to fix. A post from outside the widget, and the limits, are refused in words for the
customer, who was answering.

A script that forges every header can still fetch a token and answer with it: these checks
stop other sites' pages and casual scripts, and the limits bound the rest. Browsers block or
partition cookies in third-party iframes, so nothing here rides on one.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
from feedback_app.questions.service import answers_of, asked_questions
from feedback_app.services.embed.answers import (
    AlreadyAnswered,
    FormTokenSpent,
    answer_embed,
    answer_embed_questions,
    find_customer,
)
from feedback_app.services.embed.flood import count_refusal
from feedback_app.services.embed.refusals import UNKNOWN_CUSTOMER, record_refusal
from feedback_app.web.answering import (
    AnswerForm,
    customer_page,
    message_page,
    page_context,
    posted_answers,
    questions_context,
)
from feedback_app.web.guards.pages import customer_pages
from feedback_app.web.security_headers import frame_ancestors
from surveys.answers import EditWindowClosed
from surveys.embedding import (
    EmbeddingProblem,
    EmbeddingRefused,
    allowed_sites,
    check_answer_origin,
    check_site,
    embedding_site,
    origin_of,
)
from surveys.identity import Identity, IdentityProblem, InvalidIdentity, verify_identity
from surveys.questions import validate_answers

bp = Blueprint("embed", __name__)
# The embed form carries its own signed token instead of the session CSRF token; see EmbedForm.
csrf.exempt(bp)

#: The query parameters of a signed customer identity.
IDENTITY_PARAMS = ("customer", "issued_at", "signature")


class EmbedForm(AnswerForm):
    """The answer form with a signed, single-use token in place of the session CSRF token."""

    class Meta:
        csrf = False

    form_token = HiddenField()


@dataclass(frozen=True)
class FormTicket:
    """What a valid form token says: where the widget was shown, to whom, and when."""

    token_id: str
    site: str
    #: ``customer|issued_at`` as the widget was given it; None for an anonymous one.
    identity: str | None
    #: The response this post may change (None for a first answer).
    response_id: int | None
    issued_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.issued_at + _token_lifetime()


class _ClockSigner(TimestampSigner):
    """Dates form tokens by the app's clock, so their age is measured like everything else."""

    def get_timestamp(self) -> int:
        return int(utcnow().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="embed-answer", signer=_ClockSigner
    )


def _token_lifetime() -> timedelta:
    return timedelta(minutes=int(current_app.config["EMBED_FORM_TOKEN_MINUTES"]))


def _form_token(survey: Survey, site: str, response: Response | None) -> str:
    return _serializer().dumps(
        {
            "survey": survey.public_key,
            "site": site,
            "identity": _identity_text(),
            "response": response.id if response else None,
            "id": secrets.token_urlsafe(16),
        }
    )


def _identity_text() -> str | None:
    """The request's signed identity as the token binds it; None when there is none."""
    values = [request.args.get(name, "") for name in IDENTITY_PARAMS]
    return "|".join(values) if any(values) else None


def _expired(survey: Survey, ancestors: list[str]) -> WerkzeugResponse:
    return _refusal(
        400,
        gettext("This survey has expired"),
        gettext("Your answer was not saved. Please reload the page and answer again."),
        survey,
        ancestors,
    )


def _ticket(raw: str | None, survey: Survey, ancestors: list[str]) -> FormTicket:
    """What the posted form token says, if it is ours, for this survey and not too old."""
    try:
        payload, issued_at = _serializer().loads(
            raw or "", max_age=_token_lifetime().total_seconds(), return_timestamp=True
        )
    except BadData:
        abort(_expired(survey, ancestors))
    if not isinstance(payload, dict) or payload.get("survey") != survey.public_key:
        abort(_expired(survey, ancestors))
    return FormTicket(
        token_id=str(payload["id"]),
        site=str(payload["site"]),
        identity=payload["identity"],
        response_id=payload["response"],
        issued_at=issued_at,
    )


def _refusal(
    status: int, title: str, message: str, survey: Survey | None, ancestors: list[str]
) -> WerkzeugResponse:
    return message_page(status, title, message, survey=survey, ancestors=ancestors, embedded=True)


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


def _our_origins() -> set[str | None]:
    """Our own origins: the public address, and the one this request reached."""
    return {origin_of(current_app.config["BASE_URL"]), origin_of(request.host_url)}


def _embedding_refused(
    error: EmbeddingRefused, survey: Survey, ancestors: list[str]
) -> WerkzeugResponse:
    """A post from outside the widget is refused in words for the customer who made it; a
    widget refused for its site shows them nothing and is recorded for the admin page."""
    if error.problem is EmbeddingProblem.FOREIGN_POST:
        return _refusal(
            403,
            gettext("Your answer was not saved"),
            gettext(
                "Answers are only taken from the survey itself. Please reload the page and "
                "answer in the survey."
            ),
            survey,
            ancestors,
        )
    seen = {
        EmbeddingProblem.NO_SITES: "the survey lists no allowed embed origin",
        EmbeddingProblem.UNKNOWN_SITE: "no origin= in the address and no Referer",
        EmbeddingProblem.SITES_DISAGREE: f"the Referer is on {origin_of(request.referrer)}",
        EmbeddingProblem.NOT_FRAMED: f"Sec-Fetch-Dest: {request.headers.get('Sec-Fetch-Dest')}",
        EmbeddingProblem.SITE_NOT_ALLOWED: "not in the allowed embed origins",
    }
    return _hidden_refusal(403, survey, ancestors, error.problem, seen[error.problem], error.origin)


def _hidden_refusal(
    status: int,
    survey: Survey,
    ancestors: list[str],
    problem: str,
    detail: str,
    origin: str | None = None,
) -> WerkzeugResponse:
    """The empty page of a widget refused for its site or identity: the customer could fix
    neither, so they see nothing (the loader removes the frame), and the refusal is recorded
    for the survey's admin page, which tells the host's developer what to fix."""
    record_refusal(survey, problem, origin or _seen_origin(), detail, utcnow())
    return customer_page("survey/refused.html", status, ancestors, lang=str(get_locale()))


def _seen_origin() -> str | None:
    """The host page's origin as the request names it: the loader's ``?origin=``, else the
    browser's ``Referer`` (unless it is our own page)."""
    referred = origin_of(request.referrer)
    return origin_of(request.args.get("origin")) or (
        None if referred in _our_origins() else referred
    )


def _identity(survey: Survey, ancestors: list[str], at: datetime) -> Identity | None:
    """The signed customer identity in the query string, checked as of ``at``.

    No identity at all means an anonymous answer. A wrong, undated or stale signature is a
    403, and an ``external_id`` naming nobody a 404, each an empty page recorded for the
    survey's admin page, where the host's developer sees it while wiring the widget in. Called
    before any text is translated: a known customer's locale wins over ``?locale=``.
    """
    value, issued_at, signature = (request.args.get(name, "") for name in IDENTITY_PARAMS)
    if not (value or issued_at or signature):
        return None
    max_age = timedelta(hours=int(current_app.config["EMBED_IDENTITY_MAX_AGE_HOURS"]))
    try:
        identity = verify_identity(
            survey.embed_secret, value, signature, issued_at, now=at, max_age=max_age
        )
    except InvalidIdentity as error:
        detail = error.message
        if error.problem is IdentityProblem.EXPIRED:
            detail = f"signature older than {int(max_age.total_seconds() // 3600)} hours"
        abort(_hidden_refusal(403, survey, ancestors, error.problem, detail))
    customer = find_customer(identity)
    if customer is None and identity.email is None:
        abort(
            _hidden_refusal(
                404, survey, ancestors, UNKNOWN_CUSTOMER, "no customer has this external_id"
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
    *,
    updated: bool = False,
    **context: Any,
) -> WerkzeugResponse:
    """The widget; once answered, with the additional questions its bucket is asked;
    ``updated`` says the answer shown replaced an earlier one."""
    if "questions" not in context:
        context = _stored_questions(answer)
    return customer_page(
        "survey/embed.html",
        status,
        ancestors,
        form=form,
        answer=answer,
        updated=updated,
        **page_context(survey),
        **context,
    )


def _stored_questions(answer: Response | None) -> dict[str, Any]:
    if answer is None:
        return questions_context(())
    asked = asked_questions(answer)
    return questions_context(asked, stored=answers_of(answer) if asked else ())


def _refusal_context() -> dict[str, Any]:
    survey, ancestors = _survey(str((request.view_args or {}).get("public_key", "")))
    g.locale = request.args.get("locale")
    return {"survey": survey, "ancestors": ancestors, "embedded": True}


customer_pages(bp, _refusal_context)


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
    _identity(survey, ancestors, utcnow())
    try:
        site = embedding_site(
            allowed_sites(ancestors),
            claimed=request.args.get("origin"),
            referer=request.referrer,
            fetch_dest=request.headers.get("Sec-Fetch-Dest"),
            ours=_our_origins(),
        )
    except EmbeddingRefused as error:
        return _embedding_refused(error, survey, ancestors)
    form = EmbedForm(
        survey.scale, formdata=None, data={"form_token": _form_token(survey, site, None)}
    )
    return _widget(survey, ancestors, form)


def _answers_limit() -> str:
    return str(current_app.config["EMBED_ANSWERS_LIMIT"])


def _anonymous_survey_limit() -> str:
    return str(current_app.config["EMBED_ANONYMOUS_SURVEY_LIMIT"])


def _anonymous_total_limit() -> str:
    return str(current_app.config["EMBED_ANONYMOUS_TOTAL_LIMIT"])


def _signed() -> bool:
    """The post names a customer, so the anonymous limits do not count it."""
    return _identity_text() is not None


def _stored(response: WerkzeugResponse) -> bool:
    """Only stored answers count towards the anonymous limits (not refused posts)."""
    return response.status_code == 200


@bp.post("/embed/<public_key>")
@limiter.limit(_answers_limit, scope="embed-answers")
@limiter.limit(
    _anonymous_survey_limit,
    key_func=lambda: str((request.view_args or {}).get("public_key", "")),
    scope="embed-anonymous-survey",
    exempt_when=_signed,
    deduct_when=_stored,
)
@limiter.limit(
    _anonymous_total_limit,
    key_func=lambda: "all",
    scope="embed-anonymous-total",
    exempt_when=_signed,
    deduct_when=_stored,
)
def answer(public_key: str) -> WerkzeugResponse:
    post = _checked_post(public_key)
    survey, ancestors, form = post.survey, post.ancestors, post.form
    if not form.validate():
        return _widget(survey, ancestors, form, 422, post.existing)
    try:
        stored = answer_embed(
            survey,
            form.score.data,
            form.comment.data,
            utcnow(),
            token_id=post.ticket.token_id,
            token_expires_at=post.ticket.expires_at,
            identity=post.identity,
            editing=post.existing,
            locale=str(get_locale()),
        )
    except FormTokenSpent:
        return _spent(survey, ancestors)
    except AlreadyAnswered:
        return _refusal(
            409,
            gettext("Your answer was already recorded"),
            gettext("Thank you: we already have your answer to this survey."),
            survey,
            ancestors,
        )
    except EditWindowClosed:
        return _edit_closed(survey, ancestors)
    form.form_token.data = _form_token(survey, post.ticket.site, stored)
    return _widget(survey, ancestors, form, answer=stored, updated=post.existing is not None)


@bp.post("/embed/<public_key>/questions")
@limiter.limit(_answers_limit, scope="embed-answers")
def answer_questions(public_key: str) -> WerkzeugResponse:
    """The additional questions, answered in the widget once its score was saved."""
    post = _checked_post(public_key)
    survey, ancestors, form, existing = post.survey, post.ancestors, post.form, post.existing
    if existing is None:
        return _expired(survey, ancestors)
    asked = asked_questions(existing)
    posted = posted_answers(asked, request.form)
    answers, problems = validate_answers(asked, posted)
    score_form = _score_form(survey, form.form_token.data, existing)
    if problems:
        context = questions_context(asked, posted=posted, problems=problems)
        return _widget(survey, ancestors, score_form, 422, existing, **context)
    try:
        answer_embed_questions(
            existing,
            asked,
            answers,
            utcnow(),
            token_id=post.ticket.token_id,
            token_expires_at=post.ticket.expires_at,
        )
    except FormTokenSpent:
        return _spent(survey, ancestors)
    except EditWindowClosed:
        return _edit_closed(survey, ancestors)
    score_form.form_token.data = _form_token(survey, post.ticket.site, existing)
    return _widget(survey, ancestors, score_form, answer=existing)


@dataclass(frozen=True)
class _Post:
    """A post to the widget that passed every check of the module's docstring."""

    survey: Survey
    ancestors: list[str]
    form: EmbedForm
    ticket: FormTicket
    identity: Identity | None
    #: The response the form token lets this post change.
    existing: Response | None


def _checked_post(public_key: str) -> _Post:
    """Check a post's origin, form token, identity and site; aborts with the refusal page."""
    survey, ancestors = _survey(public_key)
    g.locale = request.args.get("locale")
    allowed = allowed_sites(ancestors)
    try:
        check_answer_origin(allowed, posted_from=request.origin, ours=_our_origins())
    except EmbeddingRefused as error:
        abort(_embedding_refused(error, survey, ancestors))
    form = EmbedForm(survey.scale)
    ticket = _ticket(form.form_token.data, survey, ancestors)
    identity = _identity(survey, ancestors, ticket.issued_at)
    try:
        check_site(allowed, ticket.site)
    except EmbeddingRefused as error:
        abort(_embedding_refused(error, survey, ancestors))
    existing = None
    if ticket.response_id is not None:
        existing = db.session.get(Response, ticket.response_id)
    if ticket.identity != _identity_text() or (ticket.response_id and existing is None):
        abort(_expired(survey, ancestors))
    return _Post(survey, ancestors, form, ticket, identity, existing)


def _score_form(survey: Survey, token: str | None, answer: Response) -> EmbedForm:
    """The score form filled with the saved answer, to show again beside the questions."""
    return EmbedForm(
        survey.scale,
        formdata=None,
        data={"score": str(answer.score), "comment": answer.comment, "form_token": token},
    )


def _spent(survey: Survey, ancestors: list[str]) -> WerkzeugResponse:
    return _refusal(
        409,
        gettext("This answer was already sent"),
        gettext("It was saved once. Please reload the page to change it."),
        survey,
        ancestors,
    )


def _edit_closed(survey: Survey, ancestors: list[str]) -> WerkzeugResponse:
    return _refusal(
        403,
        gettext("This answer can no longer be changed"),
        gettext("Your answer was saved; the time to change it has passed."),
        survey,
        ancestors,
    )


@bp.errorhandler(RateLimitExceeded)
def too_many_answers(error: RateLimitExceeded) -> WerkzeugResponse:
    """Anyone may answer an embedded survey, so a flood stops here, counted for the admins."""
    survey, ancestors = _survey((request.view_args or {}).get("public_key", ""))
    g.locale = request.args.get("locale")
    count_refusal(survey, utcnow())
    if error.limit.scope == "embed-answers":
        message = gettext(
            "Too many answers came from your network just now. Please try again later."
        )
    else:
        message = gettext(
            "This survey is receiving too many answers just now. Please try again later."
        )
    return _refusal(429, gettext("Too many answers"), message, survey, ancestors)
