"""Every user changes their own password, and "Forgot password?" emails a reset link.

The reset page answers every address the same, after the same work (one request row, one
audit event); the worker's job decides later whether an account gets a link.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.accounts.models import AccountLink, PasswordResetRequest
from feedback_app.accounts.resets import send_requested_resets
from feedback_app.extensions import db
from feedback_app.jobs import all_jobs
from feedback_app.models import AuditEvent, OutboxMessage, StaffSession, User
from tests.accounts.conftest import browser_of, delivered_mail, get, link_in, post
from tests.conftest import TEST_PASSWORD
from tests.helpers import FrozenClock, sign_in

NEW = {"password": "a brand new password", "confirm": "a brand new password"}


def rows(model: type) -> list[Any]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(model).order_by(model.id)))


def events(*actions: str) -> list[tuple[str, str, str, dict]]:
    db.session.expire_all()
    query = sa.select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id)
    return [(e.actor, e.action, e.target, e.details) for e in db.session.scalars(query)]


def test_a_user_changes_their_password_and_only_their_other_sessions_end(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock
) -> None:
    ana = make_user("ana@example.com", "agent")
    here, elsewhere = browser_of(app, ana.email), browser_of(app, ana.email)
    assert "Password</a>" in get(here, "/review/").text

    wrong = post(here, "/account/password", current="not it", **NEW)
    assert wrong.status_code == 422
    assert "Current password is not right." in wrong.text
    empty = post(here, "/account/password", current="", password="", confirm="")
    assert empty.status_code == 422
    assert "Current password is required." in empty.text
    assert "New password is required." in empty.text

    changed = post(here, "/account/password", current=TEST_PASSWORD, **NEW)

    assert (changed.status_code, changed.location) == (302, "/")
    assert "Your password is changed. Your other sessions are signed out." in html.unescape(
        get(here, "/").text
    )
    assert get(here, "/review/").status_code == 200
    assert get(elsewhere, "/review/").status_code == 302
    assert [s.revoked_at for s in rows(StaffSession)] == [None, clock.now]
    assert sign_in(app.test_client(), ana.email, TEST_PASSWORD).status_code == 401
    assert sign_in(app.test_client(), ana.email, NEW["password"]).status_code == 302
    assert events("user.password_changed") == [
        ("ana@example.com", "user.password_changed", f"user:{ana.id}", {})
    ]
    anonymous = get(browser_of(app), "/account/password")
    assert anonymous.location == "/login?next=%2Faccount%2Fpassword"


def test_forgot_password_answers_the_same_for_every_address_and_mails_the_account_only(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock
) -> None:
    ana = make_user("ana@example.com", "agent")
    make_user("gone@example.com", "agent").active = False
    db.session.commit()
    login_page = get(browser_of(app), "/login").text
    assert '<a href="/login/forgot">Forgot password?</a>' in login_page

    answers = {}
    for email in ("Ana@example.com ", "nobody@example.com", "gone@example.com"):
        answer = post(browser_of(app), "/login/forgot", email=email)
        assert answer.status_code == 200
        answers[email] = answer.text.replace(email.strip().lower(), "EMAIL")
    assert len(set(answers.values())) == 1
    assert (
        "If an account signs in with EMAIL, a link to choose a new password is on its"
        in (answers["nobody@example.com"])
    )
    assert [(r.email, r.requested_at) for r in rows(PasswordResetRequest)] == [
        ("ana@example.com", clock.now),
        ("nobody@example.com", clock.now),
        ("gone@example.com", clock.now),
    ]
    assert rows(OutboxMessage) == []
    assert [details for _, _, _, details in events("auth.password_reset_requested")] == [
        {"email": "ana@example.com"},
        {"email": "nobody@example.com"},
        {"email": "gone@example.com"},
    ]

    assert all_jobs()["send-password-resets"].run(clock.now) == 3

    assert rows(PasswordResetRequest) == []
    [mail] = delivered_mail(clock)
    assert (mail.recipient, mail.subject) == ("Ana <ana@example.com>", "Reset your password")
    assert mail.text.startswith("Hello Ana,\n\nSomeone, probably you, asked to reset")
    assert "The link works once and expires in 1 hour (2026-03-02 10:00 UTC)." in mail.text
    [link] = rows(AccountLink)
    assert (link.user_id, link.purpose.value, link.expires_at) == (
        ana.id, "reset", clock.now + timedelta(hours=1),
    )  # fmt: skip
    assert events("user.password_reset_sent") == [
        ("system", "user.password_reset_sent", f"user:{ana.id}", {})
    ]


def ask_for_a_reset(app: Flask, email: str, clock: FrozenClock) -> str:
    post(browser_of(app), "/login/forgot", email=email)
    send_requested_resets(clock.now)
    return link_in(delivered_mail(clock)[-1].text)


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock
) -> None:
    ana = make_user("ana@example.com", "agent")
    signed_in = browser_of(app, ana.email)
    path = ask_for_a_reset(app, ana.email, clock)
    browser = browser_of(app)
    assert "Choose a new password" in get(browser, path).text
    short = post(browser, path, password="short", confirm="short")
    assert short.status_code == 422
    assert "New password must have 8 to 200 characters." in short.text

    done = post(browser, path, **NEW)

    assert (done.status_code, done.location) == (302, "/")
    assert get(browser, "/review/").status_code == 200
    assert get(signed_in, "/review/").status_code == 302
    assert sign_in(app.test_client(), ana.email, NEW["password"]).status_code == 302
    assert [link.used_at for link in rows(AccountLink)] == [clock.now]
    assert events("user.password_reset", "user.password_changed") == [
        ("anonymous", "user.password_reset", f"user:{ana.id}", {})
    ]
    again = post(browser_of(app), path, "/login/forgot", **NEW)
    assert again.status_code == 410
    assert "This link has already been used" in again.text
    assert '<a href="/login/forgot">Ask for a new link</a>' in again.text


def test_a_reset_link_expires_and_a_new_password_voids_it(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock, runner: Any
) -> None:
    ana = make_user("ana@example.com", "agent")
    path = ask_for_a_reset(app, ana.email, clock)
    clock.advance(hours=1)
    expired = post(browser_of(app), path, "/login/forgot", **NEW)
    assert (expired.status_code, "This link has expired" in expired.text) == (410, True)

    path = ask_for_a_reset(app, ana.email, clock)
    result = runner.invoke(
        args=["user", "set-password", ana.email, "--password-stdin"], input="from the cli 123\n"
    )
    assert result.exit_code == 0
    voided = get(browser_of(app), path)
    assert (voided.status_code, "This link was replaced" in voided.text) == (410, True)


def test_an_invited_account_not_set_up_gets_no_reset_link(
    app: Flask, client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    login("admin")
    post(client, "/admin/users", email="noor@example.com", role="agent")
    post(browser_of(app), "/login/forgot", email="noor@example.com")
    assert send_requested_resets(clock.now) == 1
    assert [row.purpose for row in rows(OutboxMessage)] == ["account_setup"]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "PASSWORD_RESET_ACCOUNT_LIMIT": "2 per hour"}


@pytest.mark.parametrize("email", ["ana@example.com", "nobody@example.com"])
def test_reset_requests_are_limited_per_account_the_same_whether_it_exists(
    app: Flask, make_user: Callable[..., User], email: str
) -> None:
    make_user("ana@example.com", "agent")
    browser = browser_of(app)
    assert [post(browser, "/login/forgot", email=email).status_code for _ in range(2)] == [200] * 2

    refused = post(browser, "/login/forgot", email=email)

    assert refused.status_code == 429
    assert "Too many attempts. Try again in 60 minutes." in refused.text
    assert 3500 < int(refused.headers["Retry-After"]) <= 3600
    assert len(rows(PasswordResetRequest)) == 2
    other = post(browser, "/login/forgot", email="someone.else@example.com")
    assert other.status_code == 200


def test_the_forgot_form_names_the_empty_field(app: Flask) -> None:
    refused = post(browser_of(app), "/login/forgot", email="")
    assert refused.status_code == 422
    assert "Email is required." in refused.text
    assert rows(PasswordResetRequest) == []
