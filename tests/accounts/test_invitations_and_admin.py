"""Admins invite staff by email and manage accounts and teams at /admin/users and /admin/teams.

The invitation's set-up link works once and for ``ACCOUNT_SETUP_LINK_HOURS``; a role change
or a deactivation ends the user's sessions exactly as ``feedback user`` does.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.accounts.models import AccountLink
from feedback_app.extensions import db
from feedback_app.models import Agent, AuditEvent, OutboxMessage, Role, StaffSession, Team, User
from feedback_app.services.outbox import deliver_outbox
from surveys.tokens import hash_token
from tests.accounts.conftest import browser_of, delivered_mail, get, link_in, post
from tests.delivery.sinks import SmtpSink
from tests.helpers import FrozenClock, sign_in

SETUP = {"name": "Noor Haddad", "password": "a good password", "confirm": "a good password"}


def events(*actions: str) -> list[tuple[str, str, str, dict]]:
    db.session.expire_all()
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if actions:
        query = query.where(AuditEvent.action.in_(actions))
    return [(e.actor, e.action, e.target, e.details) for e in db.session.scalars(query)]


def user_by(email: str) -> User:
    db.session.expire_all()
    found = db.session.scalar(sa.select(User).where(User.email == email))
    assert found is not None
    return found


def text_of(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def test_an_invited_user_sets_up_their_account_with_the_emailed_link(
    app: Flask, client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    admin = login("admin")

    sent = post(client, "/admin/users", email="Noor@Example.com", role="manager")

    assert sent.status_code == 302
    noor = user_by("noor@example.com")
    assert sent.headers["Location"] == f"/admin/users/{noor.id}"
    assert (noor.role, noor.name, noor.password_hash, noor.active, noor.is_set_up) == (
        Role.MANAGER, "", "", True, False,
    )  # fmt: skip
    [link] = db.session.scalars(sa.select(AccountLink)).all()
    assert (link.user_id, link.purpose.value, link.created_at, link.expires_at) == (
        noor.id, "setup", clock.now, clock.now + timedelta(hours=72),
    )  # fmt: skip
    assert (link.used_at, link.revoked_at) == (None, None)
    [mail] = delivered_mail(clock)
    assert (mail.recipient, mail.subject) == (
        "noor@example.com",
        "You are invited to Acme's feedback",
    )
    assert "Admin invited you to Acme's customer feedback as manager." in mail.text
    assert "The link works once and expires in 72 hours (2026-03-05 09:00 UTC)." in mail.text
    path = link_in(mail.text)
    assert link.token_hash == hash_token(path.rsplit("/", 1)[1])
    assert path.rsplit("/", 1)[1] not in str(events())
    # No one signs in as Noor before she has chosen a password.
    assert sign_in(app.test_client(), "noor@example.com", "").status_code == 422

    noor_browser = browser_of(app)
    page = get(noor_browser, path)
    assert page.status_code == 200
    assert "You sign in as <strong>noor@example.com</strong> (manager)." in page.text
    clock.advance(hours=71)
    done = post(noor_browser, path, **SETUP)

    assert (done.status_code, done.headers["Location"]) == (302, "/")
    noor = user_by("noor@example.com")
    assert (noor.name, noor.check_password("a good password")) == ("Noor Haddad", True)
    assert "Welcome! Your account is ready." in get(noor_browser, "/").text
    assert events("user.invited", "user.set_up", "auth.sign_in")[1:] == [
        ("admin@example.com", "user.invited", f"user:{noor.id}",
         {"email": "noor@example.com", "role": "manager"}),
        ("anonymous", "user.set_up", f"user:{noor.id}", {}),
        ("noor@example.com", "auth.sign_in", f"user:{noor.id}", {}),
    ]  # fmt: skip
    assert events("auth.sign_in")[0][0] == admin.email

    again = post(browser_of(app), path, "/login", **SETUP)
    assert again.status_code == 410
    assert "This link has already been used" in again.text
    assert "Ask an admin to send you a new invitation." in again.text


def test_an_expired_or_replaced_or_unknown_link_is_refused_with_a_page(
    app: Flask, client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    login("admin")
    post(client, "/admin/users", email="noor@example.com", role="agent")
    first = link_in(delivered_mail(clock)[0].text)
    noor = user_by("noor@example.com")

    clock.advance(hours=72)
    expired = get(browser_of(app), first)
    assert expired.status_code == 410
    assert "This link has expired" in expired.text
    assert post(browser_of(app), first, "/login", **SETUP).status_code == 410

    client = browser_of(app, "admin@example.com")  # the first sign-in has timed out
    resent = post(client, f"/admin/users/{noor.id}/invitation", f"/admin/users/{noor.id}")
    assert resent.status_code == 302
    assert "A new link was sent to noor@example.com" in text_of(get(client, resent.location))
    second = link_in(delivered_mail(clock)[1].text)
    replaced = get(browser_of(app), first)
    assert (replaced.status_code, "This link was replaced" in replaced.text) == (410, True)
    assert get(browser_of(app), second).status_code == 200
    unknown = get(browser_of(app), "/account/setup/not-a-token")
    assert (unknown.status_code, "This link does not work" in unknown.text) == (404, True)
    # A reset link's token opens no set-up page.
    assert get(browser_of(app), second.replace("/setup/", "/reset/")).status_code == 404
    assert [a for _, a, _, _ in events("user.invited", "user.invitation_resent")] == [
        "user.invited", "user.invitation_resent",
    ]  # fmt: skip


def test_the_set_up_form_names_each_field_it_refuses(
    app: Flask, client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    login("admin")
    post(client, "/admin/users", email="noor@example.com", role="agent")
    path = link_in(delivered_mail(clock)[0].text)
    browser = browser_of(app)
    cases = [
        ({"name": "", "password": "a good password", "confirm": "a good password"},
         "Your name is required."),
        ({"name": "N" * 201, "password": "a good password", "confirm": "a good password"},
         "Your name must be at most 200 characters."),
        ({"name": "Noor", "password": "short", "confirm": "short"},
         "New password must have 8 to 200 characters."),
        ({"name": "Noor", "password": "a good password", "confirm": "another one"},
         "New password again does not match New password."),
    ]  # fmt: skip
    for form, message in cases:
        refused = post(browser, path, **form)
        assert refused.status_code == 422, message
        assert message in text_of(refused)
    assert user_by("noor@example.com").is_set_up is False
    assert db.session.scalar(sa.select(AccountLink.used_at)) is None


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Email is required."),
        ("not-an-address", "An email address must have an @-sign."),
        ("Admin@example.com", "A user with email admin@example.com already exists."),
    ],
)
def test_an_invitation_the_form_refuses_names_the_field(
    client: FlaskClient, login: Callable[..., User], email: str, message: str
) -> None:
    login("admin")
    refused = post(client, "/admin/users", email=email, role="agent")
    assert refused.status_code == 422
    assert message in text_of(refused)
    assert 'aria-describedby="email-error"' in refused.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


ADMIN_PAGES = ["/admin/users", "/admin/users/{user}", "/admin/teams", "/admin/teams/{team}"]


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_agents_and_managers_get_403_and_visitors_the_sign_in(
    app: Flask, client: FlaskClient, login: Callable[..., User], role: str
) -> None:
    user = login(role)
    team = Team(name="Billing")
    db.session.add(team)
    db.session.commit()
    paths = [p.format(user=user.id, team=team.id) for p in ADMIN_PAGES]
    for path in paths:
        assert get(client, path).status_code == 403, path
    assert post(client, "/admin/users", "/", email="x@example.com", role="admin").status_code == 403
    anonymous = browser_of(app)
    for path in paths:
        answer = get(anonymous, path)
        assert answer.status_code == 302
        assert answer.location == f"/login?next={quote(path, safe='')}", path
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_a_new_role_and_team_and_deactivation_end_the_users_sessions(
    app: Flask, client: FlaskClient, login: Callable[..., User], make_user: Callable[..., User],
    clock: FrozenClock,
) -> None:  # fmt: skip
    admin = login("admin")
    sam = make_user("sam@example.com", "agent")
    billing = Team(name="Billing")
    db.session.add(billing)
    db.session.commit()
    sams_browser = browser_of(app, sam.email)
    assert get(sams_browser, "/review/").status_code == 200

    saved = post(client, f"/admin/users/{sam.id}", role="manager", team=str(billing.id))

    assert saved.status_code == 302
    assert "sam@example.com is saved." in text_of(get(client, saved.location))
    assert user_by(sam.email).role is Role.MANAGER
    agent = db.session.scalar(sa.select(Agent).where(Agent.email == sam.email))
    assert (agent.name, agent.team_id) == ("Sam", billing.id)
    assert get(sams_browser, "/review/").status_code == 302  # signed out by the new role
    sams_browser = browser_of(app, sam.email)

    off = post(client, f"/admin/users/{sam.id}/active", f"/admin/users/{sam.id}")
    assert "sam@example.com is deactivated and signed out everywhere." in text_of(
        get(client, off.location)
    )
    assert user_by(sam.email).active is False
    assert get(sams_browser, "/review/").status_code == 302
    assert sign_in(app.test_client(), sam.email, "secret-pass").status_code == 401
    on = post(client, f"/admin/users/{sam.id}/active", f"/admin/users/{sam.id}")
    assert "sam@example.com can sign in again." in text_of(get(client, on.location))
    assert sign_in(app.test_client(), sam.email, "secret-pass").status_code == 302

    db.session.expire_all()
    revoked = db.session.scalars(
        sa.select(StaffSession.revoked_at).where(StaffSession.user_id == sam.id)
        .order_by(StaffSession.id)
    ).all()  # fmt: skip
    assert revoked == [clock.now, clock.now, None]
    assert events(
        "user.role_changed", "user.team_changed", "user.deactivated", "user.activated"
    ) == [
        (admin.email, "user.role_changed", f"user:{sam.id}", {"from": "agent", "to": "manager"}),
        (admin.email, "user.team_changed", f"user:{sam.id}", {"from": None, "to": "Billing"}),
        (admin.email, "user.deactivated", f"user:{sam.id}", {}),
        (admin.email, "user.activated", f"user:{sam.id}", {}),
    ]


def test_an_admin_cannot_demote_or_deactivate_themselves(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    admin = login("admin")
    refused = post(client, f"/admin/users/{admin.id}", role="agent", team="")
    assert refused.status_code == 422
    assert "Role: you cannot change your own; ask another admin." in text_of(refused)
    off = post(client, f"/admin/users/{admin.id}/active", f"/admin/users/{admin.id}")
    assert "You cannot deactivate your own account; ask another admin." in text_of(
        get(client, off.location)
    )
    admin = user_by(admin.email)
    assert (admin.role, admin.active) == (Role.ADMIN, True)
    assert get(client, "/admin/users").status_code == 200


def test_teams_are_added_renamed_and_given_a_manager(
    client: FlaskClient, login: Callable[..., User], make_user: Callable[..., User]
) -> None:
    admin = login("admin")
    morgan = make_user("morgan@example.com", "manager")
    make_user("ana@example.com", "agent")

    added = post(client, "/admin/teams", name="  Billing ", manager=str(morgan.id))
    assert added.status_code == 302
    team = db.session.scalar(sa.select(Team))
    assert (team.name, team.manager_id) == ("Billing", morgan.id)
    listing = get(client, "/admin/teams").text
    assert "Team Billing added." in listing
    assert f'<option value="{morgan.id}">Morgan</option>' in listing
    assert ">Ana<" not in listing  # agents manage no team

    for form, message in [
        ({"name": "billing", "manager": ""}, None),
        ({"name": "Billing", "manager": ""}, "A team is already called Billing."),
        ({"name": "", "manager": ""}, "Name is required."),
        ({"name": "B" * 201, "manager": ""}, "Name must be at most 200 characters."),
    ]:
        answer = post(client, "/admin/teams", **form)
        if message:
            assert answer.status_code == 422
            assert message in text_of(answer)
    renamed = post(client, f"/admin/teams/{team.id}", name="Payments", manager="")
    assert renamed.status_code == 302
    db.session.expire_all()
    assert (team.name, team.manager_id) == ("Payments", None)
    assert events("team.created", "team.renamed", "team.manager_changed") == [
        (admin.email, "team.created", f"team:{team.id}", {"name": "Billing", "manager": morgan.id}),
        (admin.email, "team.created", f"team:{team.id + 1}", {"name": "billing", "manager": None}),
        (admin.email, "team.renamed", f"team:{team.id}", {"from": "Billing", "to": "Payments"}),
        (admin.email, "team.manager_changed", f"team:{team.id}", {"from": morgan.id, "to": None}),
    ]


def test_the_users_list_pages_through_many_users(
    client: FlaskClient, login: Callable[..., User], make_user: Callable[..., User]
) -> None:
    login("admin")
    for number in range(60):
        make_user(f"user{number:02}@example.com", "agent")
    first = get(client, "/admin/users").text
    assert "Page 1 of 3 (61 in all)" in first
    assert "user00@example.com" in first and "user30@example.com" not in first
    assert "user30@example.com" in get(client, "/admin/users?page=2").text


def test_the_invitation_reaches_a_real_smtp_server(
    smtp_config: dict, smtp_sink: SmtpSink, app: Flask, client: FlaskClient,
    login: Callable[..., User], clock: FrozenClock,
) -> None:  # fmt: skip
    login("admin")
    post(client, "/admin/users", email="noor@example.com", role="agent")

    assert deliver_outbox(clock.now) == 1
    [received] = smtp_sink.handler.received
    assert received.recipients == ["noor@example.com"]
    assert received.message["Subject"] == "You are invited to Acme's feedback"
    body = received.message.get_body(("plain",))
    assert body is not None
    path = link_in(body.get_content())
    assert get(browser_of(app), path).status_code == 200
