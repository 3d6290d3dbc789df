"""Sign-in answers: an unknown email and a wrong password look alike; a bad form says why."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feedback_app.accounts import passwords
from feedback_app.extensions import db
from feedback_app.models import StaffSession, User
from tests.conftest import TEST_PASSWORD
from tests.helpers import csrf_from, sign_in

INCORRECT = "Email or password is incorrect."


def as_seen(answer: TestResponse) -> str:
    """The page without what differs by design: its CSRF token and the email typed."""
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", answer.text)
    return re.sub(r'(name="email"[^>]*value=)"[^"]*"', r"\1", html)


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hashes each sign-in checks a password against, in order."""
    checked: list[str] = []
    real = passwords.check_password_hash

    def check(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", check)
    return checked


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer_and_the_same_work(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], hash_checks: list[str]
) -> None:
    user = make_user()
    inactive = make_user("gone@example.com")
    inactive.active = False
    db.session.commit()

    wrong = sign_in(client, user.email, "not-the-password")
    unknown = sign_in(client, "nobody@example.com", "not-the-password")
    deactivated = sign_in(client, inactive.email, TEST_PASSWORD)

    for answer in (wrong, unknown, deactivated):
        assert answer.status_code == 401
        assert INCORRECT in answer.text
        assert '<form method="post" novalidate>' in answer.text
    assert as_seen(unknown) == as_seen(wrong)
    assert as_seen(deactivated) == as_seen(wrong)
    # One hash checked each time: the user's, else a dummy made the way real ones are.
    dummy = passwords._dummy_hash()
    assert hash_checks == [user.password_hash, dummy, dummy]
    assert dummy.split("$")[0] == passwords.hashed("any long password").split("$")[0]


def test_the_right_password_signs_in_with_one_hash_checked(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], hash_checks: list[str]
) -> None:
    user = make_user()
    answer = sign_in(client, " Manager@Example.COM ", TEST_PASSWORD)
    assert (answer.status_code, answer.location) == (302, "/")
    assert hash_checks == [user.password_hash]
    assert db.session.scalar(sa.select(StaffSession.user_id)) == user.id


@pytest.mark.parametrize(
    ("form", "missing"),
    [
        ({"email": "", "password": ""}, ["Email", "Password"]),
        ({"email": "  ", "password": "secret-pass"}, ["Email"]),
        ({"email": "manager@example.com"}, ["Password"]),
    ],
)
def test_an_incomplete_form_answers_422_naming_each_missing_field(
    app: Flask,
    client: FlaskClient,
    hash_checks: list[str],
    form: dict[str, str],
    missing: list[str],
) -> None:
    with app.app_context():
        page = client.get("/login")
        answer = client.post("/login", data={**form, "csrf_token": csrf_from(page.text)})
    assert answer.status_code == 422
    errors = re.findall(r'<span class="field-error" id="(\w+)-error">([^<]+)</span>', answer.text)
    assert errors == [(label.lower(), f"{label} is required.") for label in missing]
    for label in missing:
        assert f'aria-describedby="{label.lower()}-error"' in answer.text
    assert hash_checks == []


@pytest.mark.parametrize("email", ["x" * 5000 + "@example.com", "é@ü"])
def test_odd_emails_are_an_incorrect_sign_in_not_an_error(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], email: str
) -> None:
    make_user()
    answer = sign_in(client, email, TEST_PASSWORD)
    assert answer.status_code == 401
    assert INCORRECT in answer.text


def test_a_signed_in_user_is_sent_on_and_next_stays_on_this_site(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    answer = sign_in(client, user.email, TEST_PASSWORD, path="/login?next=//evil.example/")
    assert answer.location == "/"
    with app.app_context():
        assert client.get("/login").location == "/"
