"""``/admin/users`` and ``/admin/teams``: admins invite staff, change their role and team,
switch accounts off and on, and keep the teams and their managers.

Each change goes through the same service the ``feedback user`` commands call, so a page
and a command end the same sessions and log the same events. An admin cannot change their
own role or switch themselves off: another admin must, so there is always one left.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from feedback_app.accounts import teams, users
from feedback_app.accounts.errors import AccountError
from feedback_app.accounts.teams import TeamError
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Role, Team, User
from feedback_app.web.auth import role_required
from feedback_app.web.delivery import ButtonForm
from feedback_app.web.listing import page_of, page_url_args

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin", template_folder="templates")

ROLE_CHOICES = [SelectChoice(role.value, role.value.title()) for role in Role]
NO_TEAM, NO_MANAGER = SelectChoice("", "No team"), SelectChoice("", "No manager")


def sentence(error: AccountError) -> str:
    """A service's refusal (worded for the command line) as a sentence on a page."""
    text = str(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class InviteForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Email is required."),
            Length(max=320, message="Email must be at most 320 characters."),
        ],
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.AGENT.value)


class UserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    team = SelectField("Team")

    def __init__(self, user: User) -> None:
        team = teams.team_of(user)
        super().__init__(data={"role": user.role.value, "team": str(team.id) if team else ""})
        self.team.choices = [NO_TEAM, *(SelectChoice(str(t.id), t.name) for t in teams.teams())]


class TeamForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired("Name is required."),
            Length(max=200, message="Name must be at most 200 characters."),
        ],
    )
    manager = SelectField("Manager")

    def __init__(self, team: Team | None = None) -> None:
        data = {"name": team.name, "manager": str(team.manager_id or "")} if team else {}
        super().__init__(data=data)
        self.manager.choices = [
            NO_MANAGER,
            *(SelectChoice(str(u.id), u.name or u.email) for u in teams.managers()),
        ]

    @property
    def manager_id(self) -> int | None:
        return int(self.manager.data) if self.manager.data else None


def _users_page(form: InviteForm, status: int = 200) -> tuple[str, int]:
    page = page_of(sa.select(User).order_by(User.email))
    return render_template(
        "accounts/users.html",
        form=form,
        page=page,
        team_names=teams.teams_of(list(page.items)),
        page_url_args=page_url_args,
    ), status


@bp.get("/users")
@role_required(Role.ADMIN)
def users_page() -> tuple[str, int]:
    return _users_page(InviteForm())


@bp.post("/users")
@role_required(Role.ADMIN)
def invite() -> tuple[str, int] | WerkzeugResponse:
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = users.invite(
                form.email.data or "",
                Role(form.role.data),
                current_user.name or current_user.email,
                utcnow(),
            )
        except AccountError as error:
            form.email.errors = [sentence(error)]
        else:
            flash(f"Invitation sent to {user.email}.", "info")
            return redirect(url_for(".user_page", user_id=user.id))
    return _users_page(form, 422)


def _user_page(user: User, form: UserForm, status: int = 200) -> tuple[str, int]:
    managed = db.session.scalars(
        sa.select(Team).where(Team.manager_id == user.id).order_by(Team.name)
    ).all()
    return render_template(
        "accounts/user.html", user=user, form=form, managed=managed, button=ButtonForm()
    ), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_page(user_id: int) -> tuple[str, int] | WerkzeugResponse:
    user = db.get_or_404(User, user_id)
    form = UserForm(user)
    if not form.is_submitted():
        return _user_page(user, form)
    if form.validate():
        role = Role(form.role.data)
        team = db.session.get(Team, int(form.team.data)) if form.team.data else None
        if role is not user.role and user.id == current_user.id:
            form.role.errors = ["Role: you cannot change your own; ask another admin."]
        else:
            if role is not user.role:
                users.change_role(user, role, utcnow())
            teams.set_team(user, team, utcnow())
            flash(f"{user.email} is saved.", "info")
            return redirect(url_for(".user_page", user_id=user.id))
    return _user_page(user, form, 422)


@bp.post("/users/<int:user_id>/active")
@role_required(Role.ADMIN)
def toggle_active(user_id: int) -> WerkzeugResponse:
    """Deactivate the user (signed out everywhere, links void), or let them in again."""
    user = db.get_or_404(User, user_id)
    if ButtonForm().validate_on_submit():
        if user.id == current_user.id:
            flash("You cannot deactivate your own account; ask another admin.", "error")
        elif user.active:
            users.deactivate(user, utcnow())
            flash(f"{user.email} is deactivated and signed out everywhere.", "info")
        else:
            users.activate(user)
            flash(f"{user.email} can sign in again.", "info")
    return redirect(url_for(".user_page", user_id=user.id))


@bp.post("/users/<int:user_id>/invitation")
@role_required(Role.ADMIN)
def resend(user_id: int) -> WerkzeugResponse:
    """Email a new set-up link to a user who has not set up their account."""
    user = db.get_or_404(User, user_id)
    if ButtonForm().validate_on_submit():
        try:
            users.resend_invitation(user, current_user.name or current_user.email, utcnow())
        except AccountError as error:
            flash(sentence(error), "error")
        else:
            flash(f"A new link was sent to {user.email}; the earlier one stops working.", "info")
    return redirect(url_for(".user_page", user_id=user.id))


def _teams_page(form: TeamForm, status: int = 200) -> tuple[str, int]:
    managers = {user.id: user for user in teams.managers()}
    return render_template(
        "accounts/teams.html", form=form, teams=teams.teams(), managers=managers
    ), status


@bp.route("/teams", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def teams_page() -> tuple[str, int] | WerkzeugResponse:
    form = TeamForm()
    if not form.is_submitted():
        return _teams_page(form)
    if form.validate():
        try:
            team = teams.create_team(form.name.data or "", form.manager_id)
        except TeamError as error:
            getattr(form, error.field).errors = [str(error)]
        else:
            flash(f"Team {team.name} added.", "info")
            return redirect(url_for(".teams_page"))
    return _teams_page(form, 422)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def team_page(team_id: int) -> tuple[str, int] | WerkzeugResponse:
    team = db.get_or_404(Team, team_id)
    form = TeamForm(team)
    if not form.is_submitted():
        return render_template("accounts/team.html", team=team, form=form), 200
    if form.validate():
        try:
            teams.change_team(team, form.name.data or "", form.manager_id)
        except TeamError as error:
            getattr(form, error.field).errors = [str(error)]
        else:
            flash(f"Team {team.name} is saved.", "info")
            return redirect(url_for(".teams_page"))
    return render_template("accounts/team.html", team=team, form=form), 422
