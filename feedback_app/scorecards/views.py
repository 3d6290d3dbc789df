"""My feedback (``/me``): an agent's own figures; managers open any agent's with ``?agent=``."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Agent, Role
from feedback_app.scorecards.service import agent_card, agent_of_email
from feedback_app.web.auth import role_required
from feedback_app.web.dashboard import HELPERS
from feedback_app.web.inputs import Input, InvalidInput, WholeNumber, read_input

bp = Blueprint("scorecards", __name__, template_folder="templates")


class MyFeedbackQuery(Input):
    #: Another agent's id: managers only.
    agent: Annotated[int | None, WholeNumber(1)] = None


@bp.get("/me")
@role_required(Role.AGENT)
def me() -> tuple[str, int]:
    """The signed-in agent's figures; an agent asking for anyone else's gets a 403."""
    try:
        args = read_input(MyFeedbackQuery, request.args.to_dict(), from_text=True)
    except InvalidInput as error:
        return render_template("scorecards/me.html", errors=error.errors, **HELPERS), 422
    own = agent_of_email(current_user.email)
    agent = own
    if args.agent is not None and (own is None or args.agent != own.id):
        if not current_user.has_role(Role.MANAGER):
            abort(403, "Agents see their own figures only.")
        agent = db.session.get(Agent, args.agent)
        if agent is None:
            abort(404, f"There is no agent {args.agent}.")
    return render_template(
        "scorecards/me.html",
        errors={},
        card=agent_card(agent, utcnow()) if agent is not None else None,
        own=agent is not None and agent is own,
        **HELPERS,
    ), 200
