"""``/dev/mailbox``: the emails the development mailbox kept, for admins, never in production.

With ``MAIL_BACKEND=mailbox`` (the default) nothing leaves the machine, yet a new user can
open an invitation here and click through the survey.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template

from feedback_app import development
from feedback_app.extensions import db
from feedback_app.models import MailboxMessage, Role
from feedback_app.web.auth import role_required
from feedback_app.web.listing import page_of, page_url_args

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
def index() -> str:
    query = sa.select(MailboxMessage).order_by(MailboxMessage.id.desc())
    return render_template("dev/mailbox.html", page=page_of(query), page_url_args=page_url_args)


@bp.get("/<int:message_id>")
@role_required(Role.ADMIN)
def message(message_id: int) -> str:
    return render_template("dev/message.html", message=db.get_or_404(MailboxMessage, message_id))
