"""The hosted survey page ``/s/<token>``: the customer answers, then may revise for a while.

A GET never writes an answer (mail scanners open every link); it only notes that the survey
was opened. A one-click link's ``?score=N`` is pre-selected and posted by the page's script,
with a visible button for browsers without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, g, get_flashed_messages, redirect, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.extensions import csrf
from feedback_app.models import Invitation, Response
from feedback_app.questions.service import answers_of, asked_questions, record_answers
from feedback_app.services.invitations import find_by_token
from feedback_app.services.responses import (
    LockedInvitation,
    edit_window,
    record_open,
    record_response,
    response_to,
)
from feedback_app.web.answering import (
    AnswerForm,
    QuestionsForm,
    customer_page,
    message_page,
    page_context,
    posted_answers,
    preselected_score,
    questions_context,
)
from feedback_app.web.guards.pages import customer_pages, invitation_context
from surveys.answers import EditWindowClosed, SurveyExpired, can_edit, edit_deadline, is_expired
from surveys.invitations import InvitationStatus
from surveys.questions import validate_answers

#: The flash category of "Your answer was updated", shown by the page the edit redirects to.
UPDATED = "answer-updated"

bp = Blueprint("public", __name__)
# The answer form still checks its CSRF token (Flask-WTF, session-bound); it is exempt from the
# global pre-check only so a refusal is this page, in the customer's language, not a staff one.
csrf.exempt(bp)
customer_pages(bp, invitation_context)


@dataclass(frozen=True)
class Answering:
    """An invitation as the page sees it now: its answer, and whether that may still change."""

    invitation: Invitation
    answer: Response | None
    editable: bool
    deadline: datetime | None


def _load(token: str, now: datetime, *, lock: bool = False) -> Answering:
    """The invitation behind ``token`` with its answer; aborts with a readable 404 or 410.

    :param lock: lock the invitation first, to answer it (see ``LockedInvitation``).
    """
    invitation = find_by_token(token, lock=lock)
    if invitation is None or invitation.status is InvitationStatus.SUPPRESSED:
        abort(
            message_page(
                404,
                gettext("Survey not found"),
                gettext("This survey link is not valid. Please check that it is complete."),
            )
        )
    g.locale = invitation.customer.locale
    answer = response_to(invitation)
    if answer is None:
        if is_expired(invitation.status, invitation.expires_at, now):
            abort(_expired(invitation))
        return Answering(invitation, None, editable=True, deadline=None)
    window = edit_window()
    return Answering(
        invitation,
        answer,
        editable=can_edit(answer.created_at, now, window),
        deadline=edit_deadline(answer.created_at, window),
    )


def _expired(invitation: Invitation) -> WerkzeugResponse:
    return message_page(
        410,
        gettext("This survey has expired"),
        gettext("It is too late to answer this survey. Thank you for your time all the same."),
        survey=invitation.survey,
    )


def _closed(invitation: Invitation) -> WerkzeugResponse:
    return message_page(
        403,
        gettext("This answer can no longer be changed"),
        gettext("Your answer was saved; the time to change it has passed."),
        survey=invitation.survey,
    )


def _page(
    state: Answering,
    form: AnswerForm,
    token: str,
    status: int = 200,
    more_form: QuestionsForm | None = None,
    **context: object,
) -> WerkzeugResponse:
    if "questions" not in context:
        context.update(_stored_questions(state))
    return customer_page(
        "survey/page.html",
        status,
        token=token,
        form=form,
        more_form=more_form or QuestionsForm(formdata=None),
        answer=state.answer,
        editable=state.editable,
        deadline=state.deadline,
        **page_context(state.invitation.survey),
        **context,
    )


def _stored_questions(state: Answering) -> dict[str, object]:
    """The additional questions of an answer still editable, filled with what it holds."""
    if state.answer is None or not state.editable:
        return questions_context(())
    asked = asked_questions(state.answer)
    return questions_context(asked, stored=answers_of(state.answer) if asked else ())


def _score_form(state: Answering) -> AnswerForm:
    """The score form filled with the saved answer."""
    data = {}
    if state.answer is not None:
        data = {"score": str(state.answer.score), "comment": state.answer.comment}
    return AnswerForm(state.invitation.survey.scale, formdata=None, data=data)


@bp.get("/s/<token>")
def survey(token: str) -> WerkzeugResponse:
    now = utcnow()
    state = _load(token, now)
    record_open(state.invitation, now)
    scale = state.invitation.survey.scale
    score, notice = preselected_score(scale, request.args.get("score"))
    form = _score_form(state)
    if score is not None:
        form.score.data, form.via.data = str(score), "email"
    autosubmit = score is not None and state.editable
    return _page(
        state,
        form,
        token,
        400 if notice else 200,
        notice=notice,
        autosubmit=autosubmit,
        updated=get_flashed_messages(category_filter=[UPDATED]),
    )


@bp.post("/s/<token>")
def answer(token: str) -> WerkzeugResponse:
    now = utcnow()
    state = _load(token, now, lock=True)
    survey = state.invitation.survey
    form = AnswerForm(survey.scale)
    if not form.validate():
        if "csrf_token" in form.errors:
            # The page's session ended (a tab open for hours, cookies cleared): the form comes
            # back as typed, with a fresh token, so that one press saves it.
            return _page(
                state,
                form,
                token,
                400,
                notice=gettext(
                    "This page was open for a long time, so your answer is not saved yet. "
                    "Please check it and press the button again."
                ),
            )
        return _page(state, form, token, 422)
    try:
        record_response(
            survey,
            form.score.data,
            form.comment.data,
            now,
            source=form.source,
            invitation=LockedInvitation(state.invitation, state.answer),
            locale=str(get_locale()),
        )
    except SurveyExpired:
        return _expired(state.invitation)
    except EditWindowClosed:
        return _closed(state.invitation)
    if state.answer is not None:
        flash(gettext("Your answer was updated."), UPDATED)
    return redirect(url_for("public.survey", token=token), 303)


@bp.post("/s/<token>/questions")
def answer_questions(token: str) -> WerkzeugResponse:
    """The additional questions, answered (or changed) after the score was saved."""
    now = utcnow()
    state = _load(token, now)
    if state.answer is None:
        return redirect(url_for("public.survey", token=token), 303)
    if not state.editable:
        return _closed(state.invitation)
    form = QuestionsForm()
    asked = asked_questions(state.answer)
    posted = posted_answers(asked, request.form)
    if not form.validate():
        # The page's session ended, as on the score's form: the answers come back as chosen
        # and typed, with a fresh token, so that one press saves them.
        context = questions_context(asked, posted=posted)
        notice = gettext(
            "This page was open for a long time, so your answer is not saved yet. "
            "Please check it and press the button again."
        )
        return _page(
            state, _score_form(state), token, 400, more_form=form, notice=notice, **context
        )
    answers, problems = validate_answers(asked, posted)
    if problems:
        context = questions_context(asked, posted=posted, problems=problems)
        return _page(state, _score_form(state), token, 422, more_form=form, **context)
    try:
        record_answers(state.answer, asked, answers, now)
    except EditWindowClosed:
        return _closed(state.invitation)
    return redirect(url_for("public.survey", token=token), 303)
