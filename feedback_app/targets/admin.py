"""The Targets page: managers and admins list, add, edit and delete the KPIs' goals."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import DateField, FloatField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Role, Team
from feedback_app.services.metrics import default_period
from feedback_app.targets.models import Target
from feedback_app.targets.service import (
    TargetInput,
    all_targets,
    delete_target,
    save_target,
    target_views,
)
from feedback_app.web.auth import role_required
from surveys.figures import format_margin, format_value
from surveys.targets import KPIS, InvalidTarget

bp = Blueprint("targets", __name__, url_prefix="/admin/targets", template_folder="templates")
#: How the list shows the figures, as the dashboard does.
FORMATS = {"format_value": format_value, "format_margin": format_margin}

#: How each unit is entered, as the form's hint says.
UNIT_HINTS = {
    "percent": "a percentage from 0 to 100",
    "points": "NPS points from -100 to 100",
    "mean": "the CES scale, 1 to 7",
    "duration": "seconds",
}
VALUE_HINT = "In the figure's own unit: " + "; ".join(
    f"{', '.join(k.label for k in KPIS.values() if k.unit == unit)}: {hint}"
    for unit, hint in UNIT_HINTS.items()
)


class TargetForm(FlaskForm):
    kpi = SelectField("KPI", choices=[SelectChoice(name, k.label) for name, k in KPIS.items()])
    team = SelectField(
        "Team", description="Overall, or one team's figure (not for response rate and retention)."
    )
    value = FloatField(
        "Target", validators=[InputRequired("Enter the value to reach.")], description=VALUE_HINT
    )
    deadline = DateField(
        "Deadline",
        validators=[InputRequired("Enter the day to reach it by.")],
        description="The day (UTC) the figure should reach the target by.",
    )

    def fill(self, target: Target | None = None) -> None:
        teams = db.session.scalars(sa.select(Team).order_by(Team.name))
        self.team.choices = [SelectChoice("", "Overall")] + [
            SelectChoice(t.name, t.name) for t in teams
        ]
        if target is not None and not self.is_submitted():
            self.kpi.data = target.kpi
            self.team.data = target.team.name if target.team else ""
            self.value.data = target.value
            self.deadline.data = target.deadline

    def target_input(self) -> TargetInput:
        return TargetInput(
            self.kpi.data, self.value.data, self.deadline.data, self.team.data or None
        )


def _saved(form: TargetForm, save: Callable[[TargetInput], object], message: str) -> bool:
    """Whether ``save`` took the valid ``form`` (then committed, ``message`` flashed); else
    False, with the problems on the form's fields."""
    if not form.validate_on_submit():
        return False
    try:
        save(form.target_input())
    except InvalidTarget as error:
        db.session.rollback()
        getattr(form, error.field).errors.append(error.message)
        return False
    db.session.commit()
    flash(message, "info")
    return True


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def index() -> WerkzeugResponse:
    form = TargetForm()
    form.fill()
    if _saved(form, lambda item: save_target(item, utcnow()), "Target added."):
        return redirect(url_for(".index"))
    now = utcnow()
    page = render_template(
        "targets/index.html",
        views=target_views(all_targets(), now),
        period=default_period(now),
        kpis=KPIS,
        form=form,
        **FORMATS,
    )
    return make_response(page, 422 if form.is_submitted() else 200)


@bp.route("/<int:target_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit(target_id: int) -> WerkzeugResponse:
    target = db.get_or_404(Target, target_id)
    form = TargetForm()
    form.fill(target)
    if _saved(form, lambda item: save_target(item, utcnow(), target), "Target saved."):
        return redirect(url_for(".index"))
    page = render_template("targets/edit.html", target=target, kpis=KPIS, form=form)
    return make_response(page, 422 if form.is_submitted() else 200)


@bp.route("/<int:target_id>/delete", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def delete(target_id: int) -> WerkzeugResponse:
    """Asks first (GET); the confirmation's POST deletes."""
    target = db.get_or_404(Target, target_id)
    form = FlaskForm()
    if form.validate_on_submit():
        delete_target(target)
        db.session.commit()
        flash("Target deleted.", "info")
        return redirect(url_for(".index"))
    page = render_template("targets/delete.html", target=target, kpis=KPIS, form=form)
    return make_response(page, 422 if form.is_submitted() else 200)
