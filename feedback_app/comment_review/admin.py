"""``/admin/review-tags``: admins keep the tag lists agents tag comments from: the shared
list and each team's, with names, order, and archived tags that can be restored."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from feedback_app.accounts.teams import teams
from feedback_app.clock import utcnow
from feedback_app.comment_review import tags
from feedback_app.comment_review.tags import TagError
from feedback_app.extensions import db
from feedback_app.models import ReviewTag, Role, Team
from feedback_app.web.auth import role_required
from feedback_app.web.delivery import ButtonForm

bp = Blueprint(
    "review_tags", __name__, url_prefix="/admin/review-tags", template_folder="templates"
)

SHARED = SelectChoice("", "Shared: every team")
STEPS = {"up": -1, "down": 1}


class RenameForm(FlaskForm):
    # The length and the blank name are the service's to refuse: one wording for both forms.
    name = StringField("Name")


class TagForm(RenameForm):
    team = SelectField("List")

    def __init__(self) -> None:
        super().__init__()
        self.team.choices = [SHARED, *(SelectChoice(str(t.id), t.name) for t in teams())]

    @property
    def chosen_team(self) -> Team | None:
        return db.session.get(Team, int(self.team.data)) if self.team.data else None


def _tag(tag_id: int) -> ReviewTag:
    tag = db.session.get(ReviewTag, tag_id)
    if tag is None:
        abort(404, f"There is no tag {tag_id}.")
    return tag


def _index(form: TagForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "review_tags/index.html", form=form, lists=tags.lists(), button=ButtonForm()
    ), status


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def index() -> tuple[str, int] | WerkzeugResponse:
    form = TagForm()
    if not form.is_submitted():
        return _index(form)
    if form.validate():
        try:
            tag = tags.add_tag(form.name.data or "", form.chosen_team, utcnow())
        except TagError as error:
            form.name.errors = [str(error)]
        else:
            flash(f"Tag {tag.name} added.", "info")
            return redirect(url_for(".index", _anchor=f"list-{tag.team_id or 'shared'}"))
    return _index(form, 422)


@bp.route("/<int:tag_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(tag_id: int) -> tuple[str, int] | WerkzeugResponse:
    tag = _tag(tag_id)
    form = RenameForm(data={"name": tag.name})
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                tags.rename_tag(tag, form.name.data or "")
            except TagError as error:
                form.name.errors = [str(error)]
            else:
                flash(f"Tag {tag.name} is saved.", "info")
                return redirect(url_for(".index", _anchor=f"list-{tag.team_id or 'shared'}"))
    team = db.session.get(Team, tag.team_id) if tag.team_id is not None else None
    return render_template("review_tags/edit.html", tag=tag, team=team, form=form), status


@bp.post("/<int:tag_id>/move")
@role_required(Role.ADMIN)
def move(tag_id: int) -> WerkzeugResponse:
    tag = _tag(tag_id)
    direction = request.form.get("direction", "")
    valid = ButtonForm().validate_on_submit() and direction in STEPS
    if valid and tags.move_tag(tag, STEPS[direction]):
        flash(f"Tag {tag.name} moved {direction}.", "info")
    return redirect(url_for(".index", _anchor=f"tag-{tag.id}"))


@bp.post("/<int:tag_id>/archived")
@role_required(Role.ADMIN)
def archive(tag_id: int) -> WerkzeugResponse:
    """Archive the tag (no longer offered; the comments that carry it keep it), or restore it."""
    tag = _tag(tag_id)
    if ButtonForm().validate_on_submit():
        archived = tag.archived_at is None
        tags.set_archived(tag, archived, utcnow())
        if archived:
            flash(f"Tag {tag.name} is archived: agents are not offered it.", "info")
        else:
            flash(f"Tag {tag.name} is restored.", "info")
    return redirect(url_for(".index", _anchor=f"tag-{tag.id}"))
