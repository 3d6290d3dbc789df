"""``feedback user``: an admin changes a staff account from the command line.

What each change does to the sessions the user already has is in test_staff_sessions.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import Role, User


def user(email: str) -> User:
    db.session.expire_all()
    found = db.session.scalar(sa.select(User).where(User.email == email))
    assert found is not None
    return found


def test_list_shows_every_user_with_role_and_state(
    runner: FlaskCliRunner, make_user: Callable[..., User]
) -> None:
    make_user("zoe@example.com", "agent")
    make_user("ada@example.com", "admin").active = False
    db.session.commit()
    result = runner.invoke(args=["user", "list"])
    assert result.exit_code == 0
    assert (
        result.output
        == "ada@example.com\tadmin\tinactive\tAda\nzoe@example.com\tagent\tactive\tZoe\n"
    )


def test_set_role_changes_the_role(runner: FlaskCliRunner, make_user: Callable[..., User]) -> None:
    make_user("sam@example.com", "agent")
    result = runner.invoke(args=["user", "set-role", "Sam@Example.com", "manager"])
    assert (result.exit_code, result.output) == (
        0,
        "sam@example.com is now manager; signed out everywhere\n",
    )
    assert user("sam@example.com").role is Role.MANAGER
    again = runner.invoke(args=["user", "set-role", "sam@example.com", "manager"])
    assert (again.exit_code, again.output) == (
        1,
        "Error: sam@example.com already has the role manager\n",
    )
    owner = runner.invoke(args=["user", "set-role", "sam@example.com", "owner"])
    assert owner.exit_code == 2
    assert "Invalid value for 'ROLE': 'owner' is not one of 'admin', 'manager', 'agent'." in (
        owner.output
    )


def test_set_password_reads_stdin_or_prints_a_generated_one(
    runner: FlaskCliRunner, make_user: Callable[..., User]
) -> None:
    make_user("sam@example.com")
    typed = runner.invoke(
        args=["user", "set-password", "sam@example.com", "--password-stdin"],
        input="a much better password\n",
    )
    assert (typed.exit_code, typed.output) == (
        0,
        "new password set for sam@example.com; signed out everywhere\n",
    )
    assert user("sam@example.com").check_password("a much better password")

    generated = runner.invoke(args=["user", "set-password", "sam@example.com"])
    assert generated.exit_code == 0
    password = generated.output.splitlines()[1].removeprefix("password: ")
    assert len(password) == 16
    assert user("sam@example.com").check_password(password)


def test_set_password_refuses_a_short_one_and_keeps_the_old(
    runner: FlaskCliRunner, make_user: Callable[..., User]
) -> None:
    before = make_user("sam@example.com").password_hash
    result = runner.invoke(
        args=["user", "set-password", "sam@example.com", "--password-stdin"], input="short\n"
    )
    assert (result.exit_code, result.output) == (
        1,
        "Error: the password must have at least 8 characters\n",
    )
    assert user("sam@example.com").password_hash == before


def test_deactivate_and_activate(runner: FlaskCliRunner, make_user: Callable[..., User]) -> None:
    make_user("sam@example.com")
    off = runner.invoke(args=["user", "deactivate", "sam@example.com"])
    assert off.output == "deactivated sam@example.com; signed out everywhere\n"
    assert user("sam@example.com").active is False
    on = runner.invoke(args=["user", "activate", "sam@example.com"])
    assert on.output == "activated sam@example.com\n"
    assert user("sam@example.com").active is True


@pytest.mark.parametrize(
    "command",
    [
        ["set-role", "nobody@example.com", "admin"],
        ["set-password", "nobody@example.com", "--password-stdin"],
        ["deactivate", "nobody@example.com"],
        ["activate", "nobody@example.com"],
        ["deactivate", "no\x00body@example.com"],
    ],
)
def test_an_unknown_email_is_an_error_naming_it(runner: FlaskCliRunner, command: list[str]) -> None:
    result = runner.invoke(args=["user", *command], input="a long password\n")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no user with email no")
