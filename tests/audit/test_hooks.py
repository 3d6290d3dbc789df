"""Each family of actions writes its audit event: who, from where, what, to which record, and
never a secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import (
    ApiKey,
    Connector,
    Customer,
    FollowUpCase,
    OutboxMessage,
    ReviewTag,
    Survey,
    User,
    WebhookEndpoint,
)
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.suppression import unsubscribe
from feedback_app.services.surveys import survey_for_kind
from surveys.kinds import SurveyKind
from tests.admin.test_admin_surveys import form
from tests.audit.support import log_text, logged
from tests.conftest import TEST_PASSWORD
from tests.followups.conftest import Answer, Org
from tests.helpers import PUBLIC_ADDRESS, FrozenClock, TestNames, csrf_from

PROXY = {"X-Forwarded-For": "203.0.113.7"}


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Behind one proxy, as in production: the client's address is the one it forwarded."""
    app_config["PROXY_HOPS"] = 1
    return app_config


def sign_in(client: FlaskClient, email: str, password: str) -> int:
    token = csrf_from(client.get("/login").text)
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/login", data=data, headers=PROXY).status_code


def test_sign_in_failures_and_sign_out_are_logged_with_the_clients_address(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user("manager@example.com", "manager")
    assert sign_in(client, "Manager@Example.com", "wrong-password") == 401
    assert sign_in(client, "manager@example.com", TEST_PASSWORD) == 302
    token = csrf_from(client.get("/followups/").text)
    assert client.post("/logout", data={"csrf_token": token}, headers=PROXY).status_code == 302

    assert logged() == [
        (
            "anonymous",
            "anonymous",
            "203.0.113.7",
            "auth.sign_in_failed",
            "",
            {"email": "Manager@Example.com"},
        ),
        ("user", user.email, "203.0.113.7", "auth.sign_in", f"user:{user.id}", {}),
        ("user", user.email, "203.0.113.7", "auth.sign_out", f"user:{user.id}", {}),
    ]
    text = log_text()
    assert "wrong-password" not in text and TEST_PASSWORD not in text


def test_survey_changes_name_the_fields_and_never_the_secret(
    client: FlaskClient, clock: FrozenClock, login: Callable[..., User]
) -> None:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    db.session.commit()
    admin = login("admin")
    token = csrf_from(client.get(f"/admin/surveys/{survey.id}").text)
    assert client.post(f"/admin/surveys/{survey.id}", data=form(token)).status_code == 302
    changed = form(token, name="Renamed", enabled=None, open_max="1")
    assert client.post(f"/admin/surveys/{survey.id}", data=changed).status_code == 302
    unchanged = client.post(f"/admin/surveys/{survey.id}", data=changed)
    assert unchanged.status_code == 302
    rotated = client.post(f"/admin/surveys/{survey.id}/secret", data={"csrf_token": token})
    assert rotated.status_code == 302
    added = client.post("/admin/surveys/new", data={"csrf_token": token, "kind": "nps"})
    assert added.status_code == 302

    events = logged("survey.")
    assert [event[:5] for event in events] == [
        ("user", admin.email, "127.0.0.1", "survey.settings_changed", f"survey:{survey.id}"),
        ("user", admin.email, "127.0.0.1", "survey.settings_changed", f"survey:{survey.id}"),
        ("user", admin.email, "127.0.0.1", "survey.embed_secret_rotated", f"survey:{survey.id}"),
        ("user", admin.email, "127.0.0.1", "survey.created", f"survey:{survey.id + 1}"),
    ]
    assert events[1][5] == {"fields": ["name", "enabled", "rule.open_max"]}
    assert events[3][5] == {"kind": "nps", "name": "Net Promoter Score"}
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).embed_secret not in log_text()


def test_webhook_endpoints_are_logged_by_host_only(
    client: FlaskClient, login: Callable[..., User], dns: TestNames
) -> None:
    dns.answer("hooks.slack.example", [PUBLIC_ADDRESS])
    admin = login("admin")
    token = csrf_from(client.get("/admin/webhooks").text)
    url = "https://hooks.slack.example/services/T00/B00/very-secret-path"
    data = {"csrf_token": token, "url": url, "events": ["response.created"], "format": "slack"}
    assert client.post("/admin/webhooks", data=data).status_code == 302
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    toggled = client.post(f"/admin/webhooks/{endpoint.id}/active", data={"csrf_token": token})
    assert toggled.status_code == 302

    assert logged("webhook.") == [
        (
            "user",
            admin.email,
            "127.0.0.1",
            "webhook.created",
            f"webhook:{endpoint.id}",
            {"host": "hooks.slack.example", "events": ["response.created"]},
        ),
        ("user", admin.email, "127.0.0.1", "webhook.disabled", f"webhook:{endpoint.id}", {}),
    ]
    text = log_text()
    assert "very-secret-path" not in text and endpoint.secret not in text


def test_outbox_retries_and_reversed_opt_outs_are_logged(
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: Callable[..., Any],
) -> None:
    make_invitation()
    dispatch_due_invitations(clock.now)
    row_id = db.session.scalar(sa.select(OutboxMessage.id))
    customer = db.session.scalar(sa.select(Customer))
    record, _ = unsubscribe(customer, None, "link", clock.now)
    db.session.commit()
    admin = login("admin")
    token = csrf_from(client.get("/admin/outbox").text)
    assert client.post("/admin/outbox/retry", data={"csrf_token": token}).status_code == 302
    revoked = client.post(
        f"/admin/unsubscribes/{record.id}/revoke",
        data={"csrf_token": token, "reason": "Asked again"},
    )
    assert revoked.status_code == 302

    assert logged("outbox.") + logged("unsubscribe.") == [
        (
            "user",
            admin.email,
            "127.0.0.1",
            "outbox.retried",
            "outbox",
            {"rows": 1, "ids": [row_id]},
        ),
        (
            "user",
            admin.email,
            "127.0.0.1",
            "unsubscribe.reversed",
            f"unsubscribe:{record.id}",
            {"customer": customer.id, "reason": "Asked again"},
        ),
    ]


def test_case_changes_are_logged_from_the_pages_and_the_api(
    client: FlaskClient, org: Org, answer: Answer, api_key: str, login: Callable[..., User]
) -> None:
    response = answer(1, comment="Never again")
    case = db.session.scalar(sa.select(FollowUpCase).where(FollowUpCase.response_id == response.id))
    assert logged() == []  # opening and assigning by the worker is the timeline's, not the log's
    manager = db.session.get(User, org.manager.id)
    login("admin", email="boss@example.com")
    page = client.get(f"/followups/{case.id}")
    token = csrf_from(page.text)
    changed = client.post(
        f"/followups/{case.id}",
        data={
            "csrf_token": token,
            "status": "in_progress",
            "outcome": "",
            "owner": str(org.other_manager.id),
            "note": "Private: she is upset",
        },
    )
    assert changed.status_code == 302
    written = client.post(
        f"/followups/{case.id}/message",
        data={"csrf_token": token, "message-subject": "Sorry", "message-body": "Secret body"},
    )
    assert written.status_code == 302
    patched = client.patch(
        f"/api/v1/followups/{case.id}",
        json={"status": "waiting_on_customer"},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert patched.status_code == 200

    target = f"case:{case.id}"
    by_key = f"helpdesk ({api_key[:10]}…)"
    assert logged("case.") == [
        (
            "user",
            "boss@example.com",
            "127.0.0.1",
            "case.status_changed",
            target,
            {"from": "open", "to": "in_progress"},
        ),
        (
            "user",
            "boss@example.com",
            "127.0.0.1",
            "case.assigned",
            target,
            {"from": manager.email, "to": org.other_manager.email},
        ),
        ("user", "boss@example.com", "127.0.0.1", "case.note_added", target, {}),
        ("user", "boss@example.com", "127.0.0.1", "case.replied", target, {}),
        (
            "api_key",
            by_key,
            "127.0.0.1",
            "case.status_changed",
            target,
            {"from": "in_progress", "to": "waiting_on_customer"},
        ),
    ]
    text = log_text()
    assert "upset" not in text and "Secret body" not in text and "Never again" not in text


def test_every_csv_download_is_logged(client: FlaskClient, login: Callable[..., User]) -> None:
    manager = login("manager")
    args = "kind=csat&since=2026-02-01&until=2026-03-01"
    assert client.get(f"/dashboard/export/responses.csv?{args}").status_code == 200
    assert client.get(f"/dashboard/export/kpis.csv?{args}").status_code == 200
    query = {"kind": "csat", "since": "2026-02-01", "until": "2026-03-01"}
    assert logged("export.") == [
        (
            "user",
            manager.email,
            "127.0.0.1",
            "export.csv",
            "file:responses-2026-02-01-2026-03-01.csv",
            {"query": query},
        ),
        (
            "user",
            manager.email,
            "127.0.0.1",
            "export.csv",
            "file:kpis-csat-2026-02-01-2026-03-01.csv",
            {"query": query},
        ),
    ]


def test_comment_reviews_and_bounces_are_logged(
    client: FlaskClient,
    org: Org,
    answer: Answer,
    api_key: str,
    sign_in: Callable[[User], User],
    shared_tags: dict[str, ReviewTag],
) -> None:
    response = answer(4, comment="Fine")
    agent = sign_in(org.agent_user)
    token = csrf_from(client.get("/review/").text)
    reviewed = client.post(
        f"/review/responses/{response.id}",
        data={
            "csrf_token": token,
            f"r{response.id}-acknowledged": "y",
            f"r{response.id}-tags": shared_tags["Billing"].id,
        },
    )
    assert reviewed.status_code == 302
    bounced = client.post(
        "/api/v1/bounces",
        json={"email": "customer@example.com"},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert bounced.status_code == 201
    customer = db.session.scalar(sa.select(Customer))
    assert logged("comment.") + logged("bounce.") == [
        (
            "user",
            agent.email,
            "127.0.0.1",
            "comment.reviewed",
            f"response:{response.id}",
            {"tags": ["Billing"]},
        ),
        (
            "api_key",
            f"helpdesk ({api_key[:10]}…)",
            "127.0.0.1",
            "bounce.recorded",
            f"customer:{customer.id}",
            {"suppressed": 0},
        ),
    ]


def test_commands_are_logged_as_cli_without_the_keys_or_passwords(
    runner: FlaskCliRunner,
) -> None:
    created = runner.invoke(args=["api-key", "create", "Zendesk", "--scope", "ingest"])
    assert created.exit_code == 0, created.output
    key = created.output.strip()
    revoked = runner.invoke(args=["api-key", "revoke", key[:10]])
    assert revoked.exit_code == 0, revoked.output
    user = runner.invoke(
        args=["create-user", "new@example.com", "--role", "agent", "--password-stdin"],
        input="a-long-password\n",
    )
    assert user.exit_code == 0, user.output
    for change in (
        ["set-role", "new@example.com", "manager"],
        ["set-password", "new@example.com", "--password-stdin"],
        ["deactivate", "new@example.com"],
        ["activate", "new@example.com"],
    ):
        changed = runner.invoke(args=["user", *change], input="another-long-password\n")
        assert changed.exit_code == 0, changed.output
    assert runner.invoke(args=["rollups", "rebuild"]).exit_code == 0

    user_id = db.session.scalar(sa.select(User.id))
    assert logged() == [
        (
            "cli",
            "cli",
            None,
            "api_key.created",
            f"api_key:{key[:10]}",
            {"name": "Zendesk", "scopes": "ingest"},
        ),
        ("cli", "cli", None, "api_key.revoked", f"api_key:{key[:10]}", {"name": "Zendesk"}),
        (
            "cli",
            "cli",
            None,
            "user.created",
            f"user:{user_id}",
            {"email": "new@example.com", "role": "agent"},
        ),
        (
            "cli",
            "cli",
            None,
            "user.role_changed",
            f"user:{user_id}",
            {"from": "agent", "to": "manager"},
        ),
        ("cli", "cli", None, "user.password_changed", f"user:{user_id}", {}),
        ("cli", "cli", None, "user.deactivated", f"user:{user_id}", {}),
        ("cli", "cli", None, "user.activated", f"user:{user_id}", {}),
        ("cli", "cli", None, "rollups.rebuilt", "", {"rows": 0}),
    ]
    text = log_text()
    assert key not in text and "a-long-password" not in text
    assert "another-long-password" not in text
    assert db.session.scalar(sa.select(ApiKey.key_hash)) not in text


def test_connectors_added_changed_and_given_new_secrets_are_logged_without_them(
    client: FlaskClient, runner: FlaskCliRunner, login: Callable[..., User]
) -> None:
    admin = login("admin")
    token = csrf_from(client.get("/admin/connectors/").text)
    added = client.post(
        "/admin/connectors/", data={"csrf_token": token, "type": "intercom", "name": "Chat"}
    )
    assert added.status_code == 302, added.text
    connector = db.session.scalar(sa.select(Connector))
    settings = {
        "csrf_token": token,
        "survey": "",
        "delay_seconds": "600",
        "skip_tags": "no_survey",
        "access_token": "intercom-access-token-1234",
    }
    url = f"/admin/connectors/{connector.id}/settings"
    assert client.post(url, data=settings).status_code == 302
    assert client.post(url, data=settings).status_code == 302  # nothing changed: no event
    rotated = client.post(
        f"/admin/connectors/{connector.id}/secret",
        data={"csrf_token": token, "secret": "intercom-client-secret-5678"},
    )
    assert rotated.status_code == 302
    made = runner.invoke(args=["connector", "create", "zammad", "Desk"])
    assert made.exit_code == 0, made.output
    zammad = db.session.scalar(sa.select(Connector).where(Connector.type == "zammad"))
    assert runner.invoke(args=["connector", "rotate-secret", zammad.id]).exit_code == 0

    target = f"connector:{connector.id}"
    assert logged("connector.") == [
        (
            "user",
            admin.email,
            "127.0.0.1",
            "connector.created",
            target,
            {"type": "intercom", "name": "Chat"},
        ),
        (
            "user",
            admin.email,
            "127.0.0.1",
            "connector.settings_changed",
            target,
            {"fields": ["delay_seconds", "skip_tags", "access_token"]},
        ),
        ("user", admin.email, "127.0.0.1", "connector.secret_rotated", target, {}),
        (
            "cli",
            "cli",
            None,
            "connector.created",
            f"connector:{zammad.id}",
            {"type": "zammad", "name": "Desk"},
        ),
        ("cli", "cli", None, "connector.secret_rotated", f"connector:{zammad.id}", {}),
    ]
    db.session.expire_all()
    text = log_text()
    for secret in ("intercom-access-token-1234", "intercom-client-secret-5678", zammad.secret):
        assert secret not in text
