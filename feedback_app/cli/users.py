"""Commands for staff accounts: create one, change its role or password, switch it off.

Every change that affects what a session may do (password, role, deactivation) ends all of
the user's sessions, so a browser signed in before must sign in again.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import click
import sqlalchemy as sa

from feedback_app.accounts import users
from feedback_app.accounts.errors import AccountError, InvalidEmail
from feedback_app.accounts.passwords import find_user
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Role, User

P = ParamSpec("P")
R = TypeVar("R")

ROLES = click.Choice([role.value for role in Role])
PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input."
)


def _refusals(command: Callable[P, R]) -> Callable[P, R]:
    """An account change the services refuse is the command's error (exit status 1)."""

    @wraps(command)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except AccountError as error:
            raise click.ClickException(str(error)) from None

    return wrapped


def _new_password(from_stdin: bool) -> tuple[str, bool]:
    """A password from standard input, the terminal (asked twice) or generated; generated?"""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True), False
    return secrets.token_urlsafe(12), True


def _user(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no user with email {email.strip().lower()}")
    return user


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=ROLES, required=True)
@click.option("--name", default="", help="Display name.")
@PASSWORD_STDIN
@_refusals
def create_user(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a staff user; asks for the password on a terminal, else prints a generated one."""
    try:
        email = users.new_email(email)
    except InvalidEmail as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    password, generated = _new_password(password_stdin)
    user = users.create(email, Role(role), name, password, utcnow())
    click.echo(f"created {role} {user.email}")
    if generated:
        click.echo(f"password: {password}")


@click.group("user")
def user_group() -> None:
    """Change staff accounts; a new password or role, or deactivation, signs them out."""


@user_group.command("list")
def list_users() -> None:
    """List users: email, role, active or not, name."""
    for user in db.session.scalars(sa.select(User).order_by(User.email)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{user.role.value}\t{state}\t{user.name}")


@user_group.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLES, metavar="ROLE")
@_refusals
def set_role(email: str, role: str) -> None:
    """Give the user ROLE (admin, manager or agent)."""
    user = _user(email)
    users.change_role(user, Role(role), utcnow())
    click.echo(f"{user.email} is now {role}; signed out everywhere")


@user_group.command("set-password")
@click.argument("email")
@PASSWORD_STDIN
@_refusals
def set_password(email: str, password_stdin: bool) -> None:
    """Reset the password: asked on a terminal, else generated and printed once."""
    user = _user(email)
    password, generated = _new_password(password_stdin)
    users.change_password(user, password, utcnow())
    click.echo(f"new password set for {user.email}; signed out everywhere")
    if generated:
        click.echo(f"password: {password}")


@user_group.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Stop the user signing in, and sign them out everywhere; their history stays."""
    user = _user(email)
    users.deactivate(user, utcnow())
    click.echo(f"deactivated {user.email}; signed out everywhere")


@user_group.command("activate")
@click.argument("email")
def activate(email: str) -> None:
    """Let a deactivated user sign in again."""
    user = _user(email)
    users.activate(user)
    click.echo(f"activated {user.email}")


COMMANDS = [create_user, user_group]
