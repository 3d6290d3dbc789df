"""The admin page for channels: the labels in use and the alias table, with the admins'
own aliases to add, change and remove."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import HiddenField, StringField

from feedback_app.channels.aliases import InvalidAlias, alias_lines, remove_alias, set_alias
from feedback_app.channels.labels import labels_in_use
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Role
from feedback_app.web.auth import role_required
from surveys.channels import MAX_LABELS

bp = Blueprint("channels", __name__, url_prefix="/admin/channels")


class AliasForm(FlaskForm):
    name = StringField(
        "Name the helpdesk sends",
        description="As it arrives, e.g. “voice”, “7” or “Social media”; case and spacing "
        "do not matter.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    label = StringField(
        "Channel",
        description="The label it counts as, e.g. “Phone” or a new one such as “WhatsApp”.",
        render_kw={"autocomplete": "off"},
    )


class RemoveForm(FlaskForm):
    name = HiddenField()


def _page(form: AliasForm, status: int = 200) -> WerkzeugResponse:
    return make_response(
        render_template(
            "channels/index.html",
            form=form,
            labels=labels_in_use(),
            aliases=alias_lines(),
            max_labels=MAX_LABELS,
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index() -> WerkzeugResponse:
    form = AliasForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.errors else 200)
    try:
        alias = set_alias(form.name.data or "", form.label.data or "", utcnow())
    except InvalidAlias as error:
        db.session.rollback()
        getattr(form, error.field or "label").errors.append(error.message)
        return _page(form, 422)
    db.session.commit()
    flash(f"“{alias.name}” now counts as {alias.label}.", "info")
    return redirect(url_for(".index"))


@bp.post("/remove")
@role_required(Role.ADMIN)
def remove() -> WerkzeugResponse:
    form = RemoveForm()
    if not form.validate_on_submit() or not remove_alias(form.name.data or ""):
        abort(404)
    db.session.commit()
    flash("Alias removed.", "info")
    return redirect(url_for(".index"))
