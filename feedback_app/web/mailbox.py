"""``/dev/mailbox``: the emails the development mailbox kept, for admins, never in production.

With ``MAIL_BACKEND=mailbox`` (the default) nothing leaves the machine, yet a new user can
open an invitation here and click through the survey.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, make_response, render_template
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app import development
from feedback_app.extensions import db
from feedback_app.models import MailboxMessage, Role
from feedback_app.text_match import any_contains_text
from feedback_app.web.auth import role_required
from feedback_app.web.listing import SearchForm, page_of, page_url_args
from feedback_app.web.security_headers import (
    MAIL_PREVIEW_POLICY,
    content_security_policy,
    set_policy,
)

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mailbox")


@bp.app_template_global("mailbox_shown")
def shown() -> bool:
    """Only in development: never in production, nor under ``feedback serve`` at all."""
    return development(current_app)


@bp.before_request
def development_only() -> None:
    if not shown():
        abort(404)


@bp.get("/")
@role_required(Role.ADMIN)
def index() -> tuple[str, int]:
    """The kept emails, newest first, searched by subject or recipient."""
    search = SearchForm("Search by subject or recipient")
    status = 200 if search.validate() else 422
    query = (
        sa.select(MailboxMessage)
        .where(any_contains_text(search.text(), MailboxMessage.subject, MailboxMessage.recipient))
        .order_by(MailboxMessage.id.desc())
    )
    return render_template(
        "dev/mailbox.html", page=page_of(query), search=search, page_url_args=page_url_args
    ), status


@bp.get("/<int:message_id>")
@role_required(Role.ADMIN)
def message(message_id: int) -> WerkzeugResponse:
    page = render_template("dev/message.html", message=db.get_or_404(MailboxMessage, message_id))
    return set_policy(make_response(page), content_security_policy(frame_src="'self'"))


@bp.get("/<int:message_id>/html")
@role_required(Role.ADMIN)
def html_part(message_id: int) -> WerkzeugResponse:
    """The email's HTML as its own sandboxed document, so the page framing it stays strict.

    An email's inline styles need ``style-src 'unsafe-inline'``; a ``srcdoc`` frame would take
    the mailbox page's own policy, so the page itself would have to allow them.
    """
    mail = db.get_or_404(MailboxMessage, message_id)
    if not mail.html:
        abort(404)
    return set_policy(make_response(mail.html), MAIL_PREVIEW_POLICY)
