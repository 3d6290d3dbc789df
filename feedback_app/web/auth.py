"""Staff login and logout, and the guards every staff page stacks on its views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

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
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from feedback_app.accounts.login import sign_in, sign_out
from feedback_app.accounts.passwords import authenticate
from feedback_app.audit import service as audit
from feedback_app.extensions import limiter
from feedback_app.models import Role
from feedback_app.web.errors import try_again_in

bp = Blueprint("auth", __name__)

#: Who may open a page that needs each role, as its refusal says.
READERS = {Role.MANAGER: "managers and admins", Role.ADMIN: "admins"}

P = ParamSpec("P")
R = TypeVar("R")


def role_required(role: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow logged-in users with ``role`` or above; others get 403, anonymous users a login."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.has_role(role):
                abort(403, f"This page is for {READERS[role]}; your role is {current_user.role}.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Email is required.")])
    password = PasswordField("Password", validators=[DataRequired("Password is required.")])


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site, never to another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("home.index")


def _attempts_from_one_address() -> str:
    return str(current_app.config["PASSWORD_ATTEMPTS_LIMIT"])


def _attempts_from_anywhere() -> str:
    return str(current_app.config["PASSWORD_ACCOUNT_ATTEMPTS_LIMIT"])


def _account() -> str:
    """The account a sign-in attempt is for."""
    return "account:" + request.form.get("email", "").strip().lower()


def _account_at_address() -> str:
    """The account and the address it is tried from: an attacker elsewhere spends only
    their own count, never the real user's at their own address."""
    return f"{_account()} address:{get_remote_address()}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _attempts_from_one_address,
    methods=["POST"],
    key_func=_account_at_address,
    scope="login-account-address",
)
@limiter.limit(_attempts_from_anywhere, methods=["POST"], key_func=_account, scope="login-account")
def login() -> tuple[str, int] | WerkzeugResponse:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    user = authenticate(form.email.data, form.password.data)
    if user is None:
        audit.record("auth.sign_in_failed", details={"email": form.email.data}, commit=True)
        flash("Email or password is incorrect.", "error")
        return render_template("auth/login.html", form=form), 401
    sign_in(user)
    audit.record("auth.sign_in", f"user:{user.id}", commit=True)
    return redirect(_safe_next(request.args.get("next")))


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded) -> tuple[str, int]:
    flash(f"Too many sign-in attempts for this account. {try_again_in(error)}", "error")
    return render_template("auth/login.html", form=LoginForm()), 429


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> WerkzeugResponse:
    audit.record("auth.sign_out", f"user:{current_user.id}", commit=True)
    sign_out()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
