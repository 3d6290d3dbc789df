"""API keys: every route under /api/ declares the scope it needs, keys without it get 403,
expired and revoked keys 401, and a key's last use is kept without a write per request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import downgrade, upgrade

from feedback_app.extensions import db
from feedback_app.models import ApiKey
from feedback_app.web.api.operations import PUBLIC, operation_of
from tests.delighted.delighted_calls import basic
from tests.helpers import FrozenClock

#: What each operation needs: (method, path with an example id, scope).
OPERATIONS = [
    ("POST", "/api/v1/interactions", "ingest"),
    ("POST", "/api/v1/people", "ingest"),
    ("POST", "/api/v1/agent-time", "ingest"),
    ("POST", "/api/v1/unsubscribes", "ingest"),
    ("POST", "/api/v1/bounces", "ingest"),
    ("PATCH", "/api/v1/followups/1", "ingest"),
    ("GET", "/api/v1/responses", "read"),
    ("GET", "/api/v1/interactions", "read"),
    ("GET", "/api/v1/followups", "read"),
    ("GET", "/api/v1/metrics", "read"),
    ("GET", "/api/v1/metrics/support", "read"),
    ("GET", "/api/v1/metrics/retention", "read"),
    ("GET", "/api/v1/metrics/utilization", "read"),
    ("GET", "/api/v1/themes", "read"),
    ("GET", "/api/v1/targets", "read"),
    ("PUT", "/api/v1/targets", "admin"),
    ("GET", "/api/v1/surveys", "admin"),
    ("GET", "/api/v1/surveys/2", "admin"),
    ("PUT", "/api/v1/surveys/2", "admin"),
    ("GET", "/api/v1/unsubscribes", "read"),
    ("GET", "/api/v1/people/ana@example.com/export", "admin"),
    ("DELETE", "/api/v1/people/ana@example.com", "admin"),
]
#: The rules behind the example paths.
RULES = {
    "/1": "/<id:case_id>",
    "/surveys/2": "/surveys/<id:survey_id>",
    "/ana@example.com": "/<path:email>",
}
#: The Delighted-compatible operations under /v1/, each also routed with ``.json``.
DELIGHTED_OPERATIONS = [
    ("POST", "/v1/people", "ingest"),
    ("POST", "/v1/survey_responses", "ingest"),
    ("POST", "/v1/unsubscribes", "ingest"),
    ("PUT", "/v1/survey_responses/1", "ingest"),
    ("GET", "/v1/people", "read"),
    ("GET", "/v1/survey_responses", "read"),
    ("GET", "/v1/survey_responses/1", "read"),
    ("GET", "/v1/metrics", "read"),
    ("GET", "/v1/unsubscribes", "read"),
    ("GET", "/v1/bounces", "read"),
    ("DELETE", "/v1/people/email:ana@example.com", "admin"),
    ("GET", "/v1/autopilot/email", "read"),
    ("GET", "/v1/autopilot/email/memberships", "read"),
    ("POST", "/v1/autopilot/email/memberships", "ingest"),
    ("DELETE", "/v1/autopilot/email/memberships", "ingest"),
]
DELIGHTED_RULES = {
    "/email:ana@example.com": "/<path:identifier>",
    "/survey_responses/1": "/survey_responses/<id:response_id>",
}


def rule_of(path: str) -> str:
    for example, argument in RULES.items():
        path = path.replace(example, argument)
    return path


def undeclared_api_rules(app: Flask) -> list[str]:
    """The rules under /api/ whose view was not declared with ``operation``."""
    return sorted(
        f"{sorted(rule.methods or ())} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and operation_of(app.view_functions[rule.endpoint]) is None
    )


def test_every_rule_under_api_declares_its_scope(app: Flask) -> None:
    assert undeclared_api_rules(app) == []
    declared = {
        (method, rule.rule): operation_of(app.view_functions[rule.endpoint]).scope  # type: ignore[union-attr]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    expected = {(method, rule_of(path)): scope for method, path, scope in OPERATIONS}
    assert declared == {**expected, ("GET", "/api/v1/openapi.json"): PUBLIC}


def test_every_delighted_rule_declares_its_scope(app: Flask) -> None:
    declared = {
        (method, rule.rule): operation_of(app.view_functions[rule.endpoint]).scope  # type: ignore[union-attr]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/v1/")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    rules = {path: path for _, path, _ in DELIGHTED_OPERATIONS}
    for example, argument in DELIGHTED_RULES.items():
        rules = {path: rule.replace(example, argument) for path, rule in rules.items()}
    expected = {
        (method, rules[path] + suffix): scope
        for method, path, scope in DELIGHTED_OPERATIONS
        for suffix in ("", ".json")
    }
    assert declared == {**expected, ("GET", "/v1/openapi.json"): PUBLIC}


@pytest.mark.parametrize(("method", "path", "scope"), DELIGHTED_OPERATIONS)
def test_each_delighted_operation_needs_its_scope(
    client: FlaskClient, make_api_key: Callable[..., str], method: str, path: str, scope: str
) -> None:
    other = "read" if scope == "ingest" else "ingest"
    refused = client.open(path, method=method, json={}, headers=basic(make_api_key(other)))
    assert (refused.status_code, refused.json) == (
        403,
        {"status": 403, "message": f"this key lacks the {scope} scope"},
    )
    assert client.open(path, method=method, json={}).status_code == 401
    for scopes in (scope, "admin"):
        key = make_api_key(scopes, name=scopes)
        answer = client.open(f"{path}.json", method=method, json={}, headers=basic(key))
        assert answer.status_code not in (401, 403), (scopes, answer.json)


def test_a_route_added_without_a_declaration_is_found(app: Flask) -> None:
    app.add_url_rule("/api/v1/undeclared", "undeclared", lambda: {})
    assert undeclared_api_rules(app) == ["['GET', 'HEAD', 'OPTIONS'] /api/v1/undeclared"]


def send(client: FlaskClient, method: str, path: str, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.open(path, method=method, json={}, headers=headers)


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
def test_each_operation_needs_its_scope(
    client: FlaskClient,
    make_api_key: Callable[..., str],
    method: str,
    path: str,
    scope: str,
) -> None:
    other = "read" if scope == "ingest" else "ingest"
    refused = send(client, method, path, make_api_key(other, name="other"))
    assert refused.status_code == 403
    assert refused.json == {"error": "forbidden", "message": f"this key lacks the {scope} scope"}
    assert refused.headers["WWW-Authenticate"] == (
        f'Bearer error="insufficient_scope", scope="{scope}"'
    )
    assert send(client, method, path, None).status_code == 401
    for scopes in (scope, "admin"):
        answer = send(client, method, path, make_api_key(scopes, name=scopes))
        assert answer.status_code not in (401, 403), (scopes, answer.json)


def test_the_document_needs_no_key(client: FlaskClient) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_an_expired_key_is_refused_from_its_expiry_on(
    client: FlaskClient, make_api_key: Callable[..., str], clock: FrozenClock
) -> None:
    key = make_api_key("read", expires_at=clock.now + timedelta(hours=1))
    assert send(client, "GET", "/api/v1/responses", key).status_code == 200
    clock.advance(hours=1)
    answer = send(client, "GET", "/api/v1/responses", key)
    assert answer.status_code == 401
    assert answer.json == {
        "error": "unauthorized",
        "message": "the API key expired at 2026-03-02T10:00:00Z",
    }
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="feedback"'


def test_a_revoked_key_is_told_so(client: FlaskClient, api_key: str, clock: FrozenClock) -> None:
    db.session.scalar(sa.select(ApiKey)).revoked_at = clock.now  # type: ignore[union-attr]
    db.session.commit()
    answer = send(client, "GET", "/api/v1/responses", api_key)
    assert (answer.status_code, answer.json["message"]) == (401, "the API key has been revoked")


def last_used(app: Flask) -> datetime | None:
    """The stored value, read on a connection of its own: what another process would see."""
    with db.engine.connect() as connection:
        value = connection.scalar(sa.select(ApiKey.__table__.c.last_used_at))
    return None if value is None else value.replace(tzinfo=UTC)


def test_last_use_is_stored_at_most_once_a_minute(
    app: Flask, client: FlaskClient, api_key: str, clock: FrozenClock
) -> None:
    start = clock.now
    assert last_used(app) is None
    send(client, "GET", "/api/v1/responses", api_key)
    assert last_used(app) == start
    clock.advance(seconds=59)
    send(client, "GET", "/api/v1/responses", api_key)
    assert last_used(app) == start
    clock.advance(seconds=1)
    send(client, "GET", "/api/v1/metrics?kind=nps", api_key)
    assert last_used(app) == start + timedelta(minutes=1)


def test_keys_from_before_scopes_can_ingest_and_read(app: Flask, clock: FrozenClock) -> None:
    db.session.remove()
    downgrade(revision="0801")
    try:
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO api_keys (name, prefix, key_hash, created_at) "
                    "VALUES ('old', 'fbk_old', 'hash', :now)"
                ),
                {"now": clock.now.replace(tzinfo=None)},
            )
    finally:
        upgrade()
    key = db.session.scalars(sa.select(ApiKey)).one()
    assert (key.scopes, key.expires_at) == ("ingest read", None)


# --- feedback api-key -----------------------------------------------------------------------


def stored_key() -> ApiKey:
    return db.session.scalars(sa.select(ApiKey)).one()


def test_create_a_key_with_scopes_and_an_expiry_day(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["api-key", "create", "Zendesk", "--scope", "read", "--scope", "ingest",
              "--expires", "2027-01-01"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    key = stored_key()
    assert (key.scopes, key.expires_at) == ("ingest read", datetime(2027, 1, 1, tzinfo=UTC))


def test_create_a_key_that_expires_in_90_days(runner: FlaskCliRunner, clock: FrozenClock) -> None:
    result = runner.invoke(
        args=["api-key", "create", "CRM", "--scope", "admin", "--expires-in", "90d"]
    )
    assert result.exit_code == 0, result.output
    assert (stored_key().scopes, stored_key().expires_at) == (
        "admin",
        clock.now + timedelta(days=90),
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "Missing option '--scope'"),
        (["--scope", "write"], "'write' is not one of 'ingest', 'read', 'admin'"),
        (["--scope", "read", "--expires-in", "3 months"], "write a number of days or hours"),
        (["--scope", "read", "--expires-in", "0d"], "write a number of days or hours"),
        (["--scope", "read", "--expires", "2026-03-01"], "the key would expire before it is made"),
        (["--scope", "read", "--expires", "2027-01-01", "--expires-in", "9d"], "not both"),
    ],
)
def test_create_refuses_bad_options(
    runner: FlaskCliRunner, options: list[str], message: str
) -> None:
    result = runner.invoke(args=["api-key", "create", "X", *options])
    assert result.exit_code == 2
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 0


def test_list_shows_scopes_expiry_and_last_use(
    runner: FlaskCliRunner,
    client: FlaskClient,
    make_api_key: Callable[..., str],
    clock: FrozenClock,
) -> None:
    used = make_api_key("read", name="Reports", expires_at=clock.now + timedelta(days=30))
    make_api_key("ingest read", name="Old", expires_at=clock.now - timedelta(days=1))
    send(client, "GET", "/api/v1/responses", used)
    lines = runner.invoke(args=["api-key", "list"]).output.splitlines()
    assert [line.split("\t", 1)[1] for line in lines] == [
        "Reports\tactive\tread\tcreated 2026-03-02\texpires 2026-04-01 09:00"
        "\tlast used 2026-03-02 09:00",
        "Old\texpired\tingest read\tcreated 2026-03-02\texpires 2026-03-01 09:00\tnever used",
    ]
