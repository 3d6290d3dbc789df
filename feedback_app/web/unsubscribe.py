"""``/u/<token>``: the unsubscribe link of every survey email, and its RFC 8058 one-click POST.

The invitation token authorizes it, as it does the survey page, so the form carries no CSRF
token: a mail provider's one-click POST could not send one. A GET only shows the choice, since
mail scanners open every link.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, request
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.clock import utcnow
from feedback_app.extensions import csrf, db
from feedback_app.models import Invitation
from feedback_app.services.invitations import find_by_token
from feedback_app.services.suppression import unsubscribe
from feedback_app.texts import kind_name
from feedback_app.web.answering import customer_page, message_page, page_context
from feedback_app.web.guards.pages import customer_pages, invitation_context

bp = Blueprint("unsubscribe", __name__)
csrf.exempt(bp)
customer_pages(bp, invitation_context)


def _load(token: str) -> Invitation:
    invitation = find_by_token(token)
    if invitation is None:
        abort(
            message_page(
                404,
                gettext("Link not found"),
                gettext("This unsubscribe link is not valid. Please check that it is complete."),
            )
        )
    g.locale = invitation.customer.locale
    return invitation


@bp.get("/u/<token>")
def choose(token: str) -> WerkzeugResponse:
    invitation = _load(token)
    return customer_page(
        "public/unsubscribe.html",
        **page_context(invitation.survey),
        kind=kind_name(invitation.survey.kind),
        email=invitation.customer.email,
    )


@bp.post("/u/<token>")
def confirm(token: str) -> WerkzeugResponse:
    """Record the opt-out: the one-click POST (this survey kind) or the page's choice."""
    invitation = _load(token)
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    everything = not one_click and request.form.get("scope") == "all"
    kind = None if everything else invitation.survey.kind
    unsubscribe(invitation.customer, kind, "one-click" if one_click else "link", utcnow())
    db.session.commit()
    message = (
        gettext(
            "You will not receive any more surveys from %(company)s.",
            company=invitation.survey.company_name,
        )
        if everything
        else gettext(
            "You will not receive any more %(kind)s from %(company)s.",
            kind=kind_name(invitation.survey.kind),
            company=invitation.survey.company_name,
        )
    )
    return message_page(200, gettext("You are unsubscribed"), message, survey=invitation.survey)
