"""A staff user's own account: their password, "Forgot password?", and the pages the
emailed links open (setting up an invited account, choosing a new password).

The links' pages answer a link that is unknown with 404 and one expired or already used
with 410, each with a sentence saying what to do instead.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from feedback_app.accounts import links, passwords, resets, users
from feedback_app.accounts.admin import sentence
from feedback_app.accounts.errors import AccountError
from feedback_app.accounts.login import SESSION_KEY, sign_in, sign_out
from feedback_app.accounts.models import AccountLink, LinkPurpose
from feedback_app.audit import service as audit
from feedback_app.clock import utcnow
from feedback_app.extensions import db, limiter
from feedback_app.models import User
from feedback_app.web.errors import try_again_in

bp = Blueprint("account", __name__, template_folder="templates")


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            "New password",
            validators=[
                DataRequired("New password is required."),
                Length(
                    min=passwords.MIN_LENGTH,
                    max=200,
                    message=f"New password must have {passwords.MIN_LENGTH} to 200 characters.",
                ),
            ],
        ),
        PasswordField(
            "New password again",
            validators=[EqualTo("password", "New password again does not match New password.")],
        ),
    )


class PasswordForm(FlaskForm):
    current = PasswordField(
        "Current password", validators=[DataRequired("Current password is required.")]
    )
    password, confirm = _new_password_fields()


class NewPasswordForm(FlaskForm):
    password, confirm = _new_password_fields()


class SetUpForm(FlaskForm):
    name = StringField(
        "Your name",
        validators=[
            DataRequired("Your name is required."),
            Length(max=users.NAME_LENGTH, message="Your name must be at most 200 characters."),
        ],
    )
    password, confirm = _new_password_fields()


class ForgotForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Email is required."),
            Length(max=320, message="Email must be at most 320 characters."),
        ],
    )


def _per_user() -> str:
    return f"user:{current_user.get_id()}"


def _own_password_limit() -> str:
    return str(current_app.config["PASSWORD_ATTEMPTS_LIMIT"])


def _reset_account_limit() -> str:
    return str(current_app.config["PASSWORD_RESET_ACCOUNT_LIMIT"])


def _reset_address_limit() -> str:
    return str(current_app.config["PASSWORD_RESET_ADDRESS_LIMIT"])


def _typed_account() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


@bp.errorhandler(RateLimitExceeded)
def too_many(error: RateLimitExceeded) -> tuple[str, int]:
    """The limited page again, saying how long to wait."""
    flash(f"Too many attempts. {try_again_in(error)}", "error")
    if current_user.is_authenticated:
        return render_template("accounts/password.html", form=PasswordForm()), 429
    return render_template("accounts/forgot.html", form=ForgotForm()), 429


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(_own_password_limit, methods=["POST"], key_func=_per_user, scope="own-password")
@login_required
def password() -> tuple[str, int] | WerkzeugResponse:
    """The signed-in user's new password; their other sessions end, this one stays."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/password.html", form=form), 422 if form.errors else 200
    if not current_user.check_password(form.current.data or ""):
        form.current.errors = ["Current password is not right."]
        return render_template("accounts/password.html", form=form), 422
    users.change_password(
        current_user._get_current_object(), form.password.data or "", utcnow(),
        keep=session.get(SESSION_KEY),
    )  # fmt: skip
    flash("Your password is changed. Your other sessions are signed out.", "info")
    return redirect(url_for("home.index"))


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_address_limit, methods=["POST"], key_func=get_remote_address,
               scope="reset-address")  # fmt: skip
@limiter.limit(_reset_account_limit, methods=["POST"], key_func=_typed_account,
               scope="reset-account")  # fmt: skip
def forgot() -> tuple[str, int]:
    """Ask for a reset link: the same answer whether or not an account has the address."""
    form = ForgotForm()
    if not form.validate_on_submit():
        return render_template("accounts/forgot.html", form=form), 422 if form.errors else 200
    email = resets.request_reset(form.email.data or "", utcnow())
    hours = int(current_app.config["PASSWORD_RESET_LINK_HOURS"])
    return render_template("accounts/forgot_sent.html", email=email, hours=hours), 200


def _open(token: str, purpose: LinkPurpose) -> AccountLink:
    """The live link, or the page saying why it opens nothing (404 unknown, 410 spent)."""
    found = links.open_link(token, purpose, utcnow())
    if isinstance(found, AccountLink):
        return found
    status = 404 if found is links.Refusal.UNKNOWN else 410
    page = render_template("accounts/link_refused.html", refusal=found.value, purpose=purpose.value)
    abort(make_response(page, status))


def _spent(purpose: LinkPurpose) -> WerkzeugResponse:
    page = render_template("accounts/link_refused.html", refusal="used", purpose=purpose.value)
    return make_response(page, 410)


def _signed_in_as(user: User) -> None:
    """Sign this browser in as ``user``, out of whoever was signed in before."""
    if current_user.is_authenticated:
        sign_out()
    sign_in(user)
    audit.record("auth.sign_in", f"user:{user.id}", commit=True)


@bp.route("/account/setup/<setup_token>", methods=["GET", "POST"])
def set_up(setup_token: str) -> tuple[str, int] | WerkzeugResponse:
    """An invited user chooses their name and password, and is signed in."""
    link = _open(setup_token, LinkPurpose.SETUP)
    form = SetUpForm()
    user = db.session.get(User, link.user_id)
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("accounts/setup.html", form=form, user=user), status
    try:
        user = users.set_up(link, form.name.data or "", form.password.data or "", utcnow())
    except users.LinkSpent:
        return _spent(LinkPurpose.SETUP)
    except AccountError as error:
        form.password.errors = [sentence(error)]
        return render_template("accounts/setup.html", form=form, user=user), 422
    _signed_in_as(user)
    flash("Welcome! Your account is ready.", "info")
    return redirect(url_for("home.index"))


@bp.route("/account/reset/<reset_token>", methods=["GET", "POST"])
def reset(reset_token: str) -> tuple[str, int] | WerkzeugResponse:
    """A new password by a reset link; every session of the account ends, then this browser
    is signed in with the new one."""
    link = _open(reset_token, LinkPurpose.RESET)
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return render_template("accounts/reset.html", form=form), 422 if form.errors else 200
    try:
        user = users.reset_password(link, form.password.data or "", utcnow())
    except users.LinkSpent:
        return _spent(LinkPurpose.RESET)
    except AccountError as error:
        form.password.errors = [sentence(error)]
        return render_template("accounts/reset.html", form=form), 422
    _signed_in_as(user)
    flash("Your password is changed and you are signed in.", "info")
    return redirect(url_for("home.index"))
