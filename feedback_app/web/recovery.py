"""``/r/<token>``: the customer answers "Did we resolve your concern?" after a follow-up.

As on the survey page, a GET never records an answer (mail scanners open links); the link's
``?answer=`` only pre-selects a button that the customer then presses.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, request
from flask_babel import gettext
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SubmitField

from feedback_app.clock import utcnow
from feedback_app.extensions import csrf, db
from feedback_app.models import FollowUpCase
from feedback_app.services.followups import case_for_resurvey, record_recovery
from feedback_app.web.answering import customer_page, message_page, page_context
from feedback_app.web.guards.pages import customer_pages

bp = Blueprint("recovery", __name__)
# The form checks its own token; exempt from the global pre-check so a refusal is a page in the
# customer's language, as on the survey page.
csrf.exempt(bp)


class RecoveryForm(FlaskForm):
    yes = SubmitField()
    no = SubmitField()


@bp.route("/r/<token>", methods=["GET", "POST"])
def answer(token: str) -> WerkzeugResponse:
    case = _case_or_404(token)
    form = RecoveryForm()
    if form.validate_on_submit() and (form.yes.data or form.no.data):
        record_recovery(case, bool(form.yes.data), utcnow())
        db.session.commit()
        return message_page(
            200,
            gettext("Thank you"),
            gettext("Your answer helps us get better."),
            survey=case.survey,
        )
    status = 400 if form.is_submitted() else 200
    chosen = request.args.get("answer") if case.recovered is None else None
    if case.recovered is not None:
        chosen = "yes" if case.recovered else "no"
    return customer_page(
        "followups/recovery.html", status, form=form, chosen=chosen, **page_context(case.survey)
    )


def _refusal_context() -> dict[str, Any]:
    return {"survey": _case_or_404(str((request.view_args or {}).get("token", ""))).survey}


customer_pages(bp, _refusal_context)


def _case_or_404(token: str) -> FollowUpCase:
    case = case_for_resurvey(token)
    if case is None:
        abort(
            message_page(
                404,
                gettext("Link not found"),
                gettext("This link is not valid. Please check that it is complete."),
            )
        )
    if case.customer is not None:
        g.locale = case.customer.locale
    return case
