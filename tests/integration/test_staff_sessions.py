"""Staff sessions live on the server: signing out, or a changed account, ends them for good.

A session cookie is signed, not secret: a copy taken before sign-out (from a shared
machine, a proxy log, a stolen laptop) must stop working once the server has ended the
session, and so must every session of a user whose password or role changed or who was
deactivated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from feedback_app.accounts import sessions as staff_sessions
from feedback_app.extensions import db
from feedback_app.jobs import all_jobs
from feedback_app.models import Invitation, StaffSession, Survey, Team, User
from feedback_app.scheduler import run_job
from feedback_app.services.surveys import survey_for_kind
from surveys.kinds import SurveyKind
from surveys.tokens import hash_token
from tests.conftest import TEST_PASSWORD
from tests.helpers import FrozenClock, csrf_from, sign_in

STAFF_PAGE = "/followups/"


def visit(browser: FlaskClient, path: str = STAFF_PAGE, **data: str) -> TestResponse:
    """A request in an app context of its own, as in a real process: the test's context
    would keep the user Flask-Login loaded for the previous request in its ``g``."""
    with browser.application.app_context():
        if not data:
            return browser.get(path)
        page = browser.get(path)
        return browser.post(path, data={"csrf_token": csrf_from(page.text), **data})


def signed_in(app: Flask, user: User, **environ: str) -> FlaskClient:
    """A browser of its own, signed in as ``user``."""
    browser = app.test_client()
    browser.environ_base.update(environ)
    assert sign_in(browser, user.email, TEST_PASSWORD).status_code == 302
    assert visit(browser).status_code == 200
    return browser


def with_cookie_of(app: Flask, browser: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``browser``'s session cookie."""
    cookie = browser.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def sessions() -> list[StaffSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(StaffSession).order_by(StaffSession.id)))


def test_signing_out_ends_the_session_even_for_a_copy_of_its_cookie(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock
) -> None:
    browser = signed_in(app, make_user(), HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="192.0.2.4")
    copy = with_cookie_of(app, browser)
    assert visit(copy).status_code == 200

    clock.advance(minutes=5)
    with app.app_context():
        home = browser.get("/").text
        out = browser.post("/logout", data={"csrf_token": csrf_from(home)})

    assert out.status_code == 302
    for client in (browser, copy):
        page = visit(client)
        assert (page.status_code, page.location) == (302, "/login?next=%2Ffollowups%2F")
    [row] = sessions()
    assert (row.user_agent, row.address, row.revoked_at) == ("Firefox/140", "192.0.2.4", clock.now)


def token_of(browser: FlaskClient) -> str:
    """The staff session's token, read from the browser's signed session cookie."""
    app = browser.application
    cookie = browser.get_cookie("session")
    assert cookie is not None
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)["staff_session"]


def test_the_cookie_carries_a_random_token_and_the_server_only_its_hash(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    tokens = [token_of(signed_in(app, user)) for _ in range(2)]
    assert [row.token_hash for row in sessions()] == [hash_token(token) for token in tokens]
    assert len(set(tokens)) == 2
    assert all(len(token) == 43 for token in tokens)


@pytest.fixture
def admin_cli(runner: FlaskCliRunner) -> Callable[..., Any]:
    def invoke(*args: str, stdin: str | None = None) -> Any:
        result = runner.invoke(args=list(args), input=stdin)
        assert result.exit_code == 0, result.output
        return result

    return invoke


@pytest.mark.parametrize(
    "change",
    [
        ("user", "set-role", "lead@example.com", "admin"),
        ("user", "set-role", "lead@example.com", "agent"),
        ("user", "set-password", "lead@example.com", "--password-stdin"),
        ("user", "deactivate", "lead@example.com"),
    ],
    ids=["promoted", "demoted", "new-password", "deactivated"],
)
def test_a_new_role_or_password_or_deactivation_ends_every_session_of_the_user(
    app: Flask,
    make_user: Callable[..., User],
    admin_cli: Callable[..., Any],
    change: tuple[str, ...],
) -> None:
    lead, other = make_user("lead@example.com"), make_user("other@example.com")
    laptop, phone = signed_in(app, lead), signed_in(app, lead)
    bystander = signed_in(app, other)

    admin_cli(*change, stdin="a new password\n")

    for browser in (laptop, phone):
        assert visit(browser).status_code == 302
    assert visit(bystander).status_code == 200
    assert [row.revoked_at is not None for row in sessions()] == [True, True, False]


def test_a_reactivated_user_signs_in_again_but_old_sessions_stay_ended(
    app: Flask, make_user: Callable[..., User], admin_cli: Callable[..., Any]
) -> None:
    user = make_user()
    before = signed_in(app, user)
    admin_cli("user", "deactivate", user.email)
    assert sign_in(app.test_client(), user.email, TEST_PASSWORD).status_code == 401

    admin_cli("user", "activate", user.email)

    assert visit(before).status_code == 302
    signed_in(app, user)


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    return {**app_config, **getattr(request, "param", {})}


@pytest.mark.parametrize("app_config", [{"STAFF_SESSION_IDLE_MINUTES": 30}], indirect=True)
def test_a_session_unused_for_the_idle_time_ends(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock
) -> None:
    browser = signed_in(app, make_user())
    clock.advance(minutes=29, seconds=59)
    assert visit(browser).status_code == 200  # and counts as use
    clock.advance(minutes=29, seconds=59)
    assert visit(browser).status_code == 200
    clock.advance(minutes=30)
    assert visit(browser).status_code == 302


@pytest.mark.parametrize("app_config", [{"STAFF_SESSION_MAX_HOURS": 2}], indirect=True)
def test_a_session_ends_at_its_lifetime_however_busy(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock
) -> None:
    user = make_user()
    browser = signed_in(app, user)
    for _ in range(7):
        clock.advance(minutes=17)
        assert visit(browser).status_code == 200
    clock.advance(minutes=1)  # two hours after sign-in
    assert visit(browser).status_code == 302
    signed_in(app, user)  # a new sign-in starts a new lifetime


@pytest.mark.parametrize(
    "app_config", [{"STAFF_SESSION_IDLE_MINUTES": 30, "STAFF_SESSION_MAX_HOURS": 2}], indirect=True
)
def test_the_worker_deletes_the_sessions_that_ended_and_keeps_the_live_ones(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock
) -> None:
    outlived = signed_in(app, make_user("outlived@example.com"))
    clock.advance(minutes=25)
    assert visit(outlived).status_code == 200
    signed_in(app, make_user("idle@example.com"))
    signed_out = signed_in(app, make_user("out@example.com"))
    with app.app_context():
        token = csrf_from(signed_out.get(STAFF_PAGE).text)
        assert signed_out.post("/logout", data={"csrf_token": token}).status_code == 302
    live_user = make_user("live@example.com")
    live = signed_in(app, live_user)
    for _ in range(4):
        clock.advance(minutes=20)
        assert visit(outlived).status_code == 200
        assert visit(live).status_code == 200
    assert len(sessions()) == 4
    assert sessions()[2].revoked_at is not None
    # 105 minutes on: the idle session was last seen 80 minutes ago; the outlived one
    # reaches its two hours, the live one is 80 minutes old.
    clock.advance(minutes=15)

    assert run_job(app, all_jobs()["purge-staff-sessions"]) == 3
    assert [staff.user_id for staff in sessions()] == [live_user.id]
    assert visit(live).status_code == 200
    assert run_job(app, all_jobs()["purge-staff-sessions"]) == 0


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_last_seen_is_written_at_most_once_a_minute(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock
) -> None:
    browser = signed_in(app, make_user())
    signed_in_at = clock.now
    writes = []
    for seconds in (10, 30, 19, 1, 59, 1):
        clock.advance(seconds=seconds)
        with statements(app) as seen:
            assert visit(browser).status_code == 200
        writes.append(sum(s.startswith("UPDATE staff_sessions") for s in seen))
    assert writes == [0, 0, 0, 1, 0, 1]
    [row] = sessions()
    assert row.last_seen_at == clock.now
    assert row.created_at == signed_in_at


def test_a_check_after_other_work_never_commits_that_work(
    app: Flask, make_user: Callable[..., User], clock: FrozenClock
) -> None:
    """Last-seen is due, but the request already began its own transaction: no write."""
    browser = signed_in(app, make_user())
    clock.advance(minutes=5)
    with app.app_context():
        db.session.add(Team(name="Half done"))
        db.session.flush()
        assert staff_sessions.signed_in_user(token_of(browser), clock.now) is not None
        db.session.rollback()
    assert db.session.scalars(sa.select(Team.name)).all() == []
    [row] = sessions()
    assert row.last_seen_at == clock.now - timedelta(minutes=5)


@pytest.fixture
def embeddable(app: Flask, clock: FrozenClock) -> Survey:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    survey.allowed_origins = "https://help.example.com"
    db.session.commit()
    return survey


def customer_visit(browser: FlaskClient, token: str, survey: Survey) -> list[int]:
    """The statements each customer page costs, in the order a customer opens them."""
    counts = []
    app = browser.application
    for method, path in (
        ("GET", f"/s/{token}"),
        ("POST", f"/s/{token}"),
        ("GET", f"/u/{token}"),
        ("GET", f"/embed/{survey.public_key}?origin=https%3A%2F%2Fhelp.example.com"),
    ):
        with app.app_context(), statements(app) as seen:
            if method == "GET":
                page = browser.get(path)
            else:
                form = browser.get(path).text
                seen.clear()
                page = browser.post(path, data={"csrf_token": csrf_from(form), "score": "5"})
            assert page.status_code in (200, 303), (path, page.status_code)
        assert not [s for s in seen if "staff_sessions" in s or "FROM users" in s], path
        counts.append(len(seen))
    return counts


def test_customer_pages_cost_a_staff_member_no_query_nor_write_more(
    app: Flask,
    make_user: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
    embeddable: Survey,
    clock: FrozenClock,
) -> None:
    """The survey pages are the hot path: a staff member answering one (their cookie
    carries a session) costs what a customer does, even when last-seen is due."""
    _, theirs = make_invitation(email="customer@example.com")
    _, ours = make_invitation(email="colleague@example.com")
    staff = signed_in(app, make_user())
    clock.advance(minutes=5)

    assert customer_visit(staff, ours, embeddable) == customer_visit(
        app.test_client(), theirs, embeddable
    )
    [row] = sessions()
    assert row.last_seen_at < clock.now  # the survey pages never touched it


@pytest.mark.parametrize(
    ("app_config", "secure"),
    [({"BASE_URL": "https://feedback.example.com"}, True), ({}, False)],
    indirect=["app_config"],
)
def test_session_cookies_are_http_only_same_site_and_secure_behind_https(
    app: Flask, make_user: Callable[..., User], secure: bool
) -> None:
    user = make_user()
    browser = app.test_client()
    response = sign_in(browser, user.email, TEST_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    flags = {flag.strip() for flag in cookie.split(";")[1:]}
    expected = {"HttpOnly", "Path=/", "SameSite=Lax"} | ({"Secure"} if secure else set())
    assert flags == expected
    assert app.config["REMEMBER_COOKIE_SECURE"] is secure
    assert (app.config["REMEMBER_COOKIE_HTTPONLY"], app.config["REMEMBER_COOKIE_SAMESITE"]) == (
        True,
        "Lax",
    )


def test_a_remember_cookie_without_a_session_signs_nobody_in(
    app: Flask, make_user: Callable[..., User]
) -> None:
    """Flask-Login's remember-me cookie names only the user: the loader refuses it."""
    from flask_login.utils import encode_cookie

    user = make_user()
    with app.test_request_context():
        forged = encode_cookie(str(user.id))
    browser = app.test_client()
    browser.set_cookie("remember_token", forged)
    assert visit(browser).status_code == 302
