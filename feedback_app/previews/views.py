"""The admin's preview of a survey: its email and its page, framed at a computer's and a
phone's width, and a test email to the admin.

The preview renders the customers' own templates with the survey's own texts; only the links
differ: the email's buttons open the preview of the page (staff only), where a score can be
chosen and sent as a customer would, and nothing is recorded.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Role, Survey
from feedback_app.services.emails import survey_email_preview
from feedback_app.services.outbox import queue_email
from feedback_app.web.answering import AnswerForm, customer_page, page_context, preselected_score
from feedback_app.web.auth import role_required
from feedback_app.web.delivery import ButtonForm
from feedback_app.web.security_headers import (
    MAIL_PREVIEW_POLICY,
    content_security_policy,
    set_policy,
)
from notifications import Message
from surveys.languages import survey_languages

bp = Blueprint(
    "previews",
    __name__,
    url_prefix="/admin/surveys/<int:survey_id>/preview",
    template_folder="templates",
)

#: The widths the previews are framed at: a phone's, and a computer's (the email at the
#: width its layout is drawn for).
PHONE_WIDTH = 390
DESKTOP_WIDTH = {"email": 640, "page": 1024}


def _survey(survey_id: int) -> Survey:
    return db.get_or_404(Survey, survey_id)


def _language(survey: Survey) -> str:
    """``?language=`` if the survey has texts in it, else its default language."""
    languages = survey_languages(survey.texts, survey.default_language)
    asked = request.args.get("language", "")
    return asked if asked in languages else survey.default_language


def _email(survey: Survey, language: str, *, external: bool = False) -> Message:
    """The survey's email to the signed-in admin, its links to the page preview (under
    ``BASE_URL`` when ``external``, as a sent email must link)."""
    path = url_for(".page", survey_id=survey.id, language=language)
    return survey_email_preview(
        survey,
        language,
        to_email=current_user.email,
        to_name=current_user.name,
        page_url=current_app.config["BASE_URL"].rstrip("/") + path if external else path,
    )


@bp.get("/")
@role_required(Role.ADMIN)
def index(survey_id: int) -> WerkzeugResponse:
    survey = _survey(survey_id)
    language = _language(survey)
    email = _email(survey, language)
    page = render_template(
        "previews/index.html",
        survey=survey,
        language=language,
        languages=survey_languages(survey.texts, survey.default_language),
        email=email,
        phone_width=PHONE_WIDTH,
        desktop_width=DESKTOP_WIDTH,
        form=ButtonForm(),
    )
    return set_policy(make_response(page), content_security_policy(frame_src="'self'"))


@bp.get("/email")
@role_required(Role.ADMIN)
def email(survey_id: int) -> WerkzeugResponse:
    """The email's HTML part as its own sandboxed document, as the mailbox shows one."""
    survey = _survey(survey_id)
    return set_policy(make_response(_email(survey, _language(survey)).html), MAIL_PREVIEW_POLICY)


@bp.route("/page", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def page(survey_id: int) -> WerkzeugResponse:
    """The survey page as a customer in ``?language=`` opens it (``?score=`` as the email's
    buttons choose one); sent, it is checked as a customer's answer and thanked, unsaved."""
    survey = _survey(survey_id)
    g.locale = _language(survey)
    form = AnswerForm(survey.scale)
    notice = None
    if request.method == "GET":
        score, notice = preselected_score(survey.scale, request.args.get("score"))
        form = AnswerForm(survey.scale, formdata=None)
        if score is not None:
            form.score.data, form.via.data = str(score), "email"
    sent = request.method == "POST" and form.validate()
    return customer_page(
        "previews/page.html",
        422 if form.errors else 400 if notice else 200,
        ancestors=["'self'"],
        form=form,
        sent=sent,
        notice=notice,
        action=url_for(".page", survey_id=survey.id, language=g.locale),
        **page_context(survey),
    )


@bp.post("/test")
@role_required(Role.ADMIN)
def test(survey_id: int) -> WerkzeugResponse:
    """Send the previewed email to the signed-in admin, through the outbox."""
    survey = _survey(survey_id)
    language = _language(survey)
    if ButtonForm().validate_on_submit():
        queue_email(_email(survey, language, external=True), utcnow(), purpose="test")
        db.session.commit()
        flash(
            f"A test email is on its way to {current_user.email}; its buttons open this "
            "preview, so nothing is recorded.",
            "info",
        )
    return redirect(url_for(".index", survey_id=survey.id, language=language))
