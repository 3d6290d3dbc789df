"""The staff landing page: each role's overview (see ``feedback_app.home.overview``)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from feedback_app.clock import utcnow
from feedback_app.home.overview import overview
from feedback_app.models import Role
from feedback_app.web.dashboard import FIGURE_LABELS, FIGURE_UNITS, HELPERS

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> str:
    return render_template(
        "home.html",
        home=overview(current_user, utcnow()),
        manager=current_user.has_role(Role.MANAGER),
        **{**HELPERS, "figure_labels": FIGURE_LABELS, "figure_units": FIGURE_UNITS},
    )
