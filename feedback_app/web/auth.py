"""Staff login and logout, and the guards every staff page stacks on its views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from feedback_app.audit import service as audit
from feedback_app.extensions import db, limiter
from feedback_app.models import Role, User

bp = Blueprint("auth", __name__)

P = ParamSpec("P")
R = TypeVar("R")


def role_required(role: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow logged-in users with ``role`` or above; others get 403, anonymous users a login."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site, never to another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("home.index")


def _password_attempts() -> str:
    return str(current_app.config["PASSWORD_ATTEMPTS_LIMIT"])


def _account() -> str:
    """The account a sign-in attempt is for: guessing one password from many addresses."""
    return "account:" + request.form.get("email", "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_password_attempts, methods=["POST"], scope="login-address")
@limiter.limit(_password_attempts, methods=["POST"], key_func=_account, scope="login-account")
def login() -> str | WerkzeugResponse:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(
            sa.select(User).where(User.email == form.email.data.strip().lower())
        )
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            audit.record("auth.sign_in", f"user:{user.id}", commit=True)
            return redirect(_safe_next(request.args.get("next")))
        audit.record("auth.sign_in_failed", details={"email": form.email.data}, commit=True)
        flash("Email or password is incorrect.", "error")
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(_error: RateLimitExceeded) -> tuple[str, int]:
    flash(
        "Too many sign-in attempts from here or for this account. Please wait and try again.",
        "error",
    )
    return render_template("auth/login.html", form=LoginForm()), 429


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> WerkzeugResponse:
    audit.record("auth.sign_out", f"user:{current_user.id}", commit=True)
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
