"""The audit log page, its CSV, the count of API key use, and the retention job."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app import gunicorn_config
from feedback_app.audit.models import ActorKind
from feedback_app.audit.service import ACTIONS, WITHHELD, record
from feedback_app.extensions import db
from feedback_app.jobs import all_jobs
from feedback_app.models import ApiKeyUse, AuditEvent, Customer, User
from feedback_app.scheduler import run_job
from tests.audit.support import logged
from tests.helpers import FrozenClock


def add_event(at: Any, action: str, actor: str = "someone@example.com", target: str = "") -> int:
    event = AuditEvent(
        at=at,
        actor_kind=ActorKind.USER,
        actor_id=None,
        actor=actor,
        address="198.51.100.1",
        action=action,
        target=target,
        details={},
    )
    db.session.add(event)
    db.session.commit()
    return event.id


def listed(client: FlaskClient, query: str = "") -> list[str]:
    """The actions of the events on the page, in the order shown."""
    page = client.get(f"/admin/audit{query}")
    assert page.status_code == 200, page.text
    body = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [cell.split("</td>")[0] for cell in re.split(r"<td[^>]*>", body)[4::6]]


def test_managers_and_agents_cannot_see_the_log(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403


def test_the_log_is_newest_first_filtered_and_paged(
    client: FlaskClient, clock: FrozenClock, login: Callable[..., User]
) -> None:
    login("admin")
    start = clock.now - timedelta(days=10)
    for day in range(30):
        add_event(start + timedelta(hours=8 * day), "export.csv", target=f"file:{day}.csv")
    add_event(start, "webhook.created", actor="ops@example.com", target="webhook:4")
    add_event(start + timedelta(days=4, hours=10), "webhook.created", actor="ops@example.com")

    first = listed(client)
    assert len(first) == 25 and first[0] == "auth.sign_in"  # the admin's own sign-in
    assert len(listed(client, "?page=2")) == 8
    assert listed(client, "?actor=OPS@") == ["webhook.created", "webhook.created"]
    assert listed(client, "?action=webhook.created&target=webhook:4") == ["webhook.created"]
    window = listed(
        client,
        f"?since={(start + timedelta(days=3)).date()}&until={start.date() + timedelta(days=4)}",
    )
    assert window == ["webhook.created"] + ["export.csv"] * 6
    page = client.get("/admin/audit?actor=ops")
    assert "<td>198.51.100.1</td>" in page.text
    assert 'href="/admin/audit/export.csv?actor=ops"' in page.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?since=2026-13-01", "Not a valid date value."),
        ("?since=2026-03-05&until=2026-03-01", "must not be after the end date"),
        ("?action=auth.nothing", "Not a valid choice."),
        ("?actor=" + "x" * 400, "Field cannot be longer than 320 characters."),
    ],
)
def test_a_bad_filter_is_named(
    client: FlaskClient, login: Callable[..., User], query: str, message: str
) -> None:
    login("admin")
    page = client.get(f"/admin/audit{query}")
    assert page.status_code == 422
    assert message in page.text
    assert client.get(f"/admin/audit/export.csv{query}").status_code == 422


def test_dates_at_the_ends_of_the_calendar_are_harmless(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("admin")
    assert listed(client, "?since=0001-01-01&until=9999-12-31") == ["auth.sign_in"]
    assert listed(client, "?since=9999-12-31") == []


def test_the_csv_streams_every_match_with_formulas_escaped(
    client: FlaskClient, clock: FrozenClock, login: Callable[..., User], runner: FlaskCliRunner
) -> None:
    admin = login("admin")
    created = runner.invoke(
        args=["api-key", "create", '=HYPERLINK("http://x")', "--scope", "ingest"]
    )
    key = created.output.strip()
    bounced = client.post(
        "/api/v1/bounces",
        json={"email": "a@example.com"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert bounced.status_code == 201
    add_event(clock.now, "export.csv", actor="-2+3", target="@file")

    download = client.get("/admin/audit/export.csv?since=2026-03-02")

    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="audit-2026-03-02.csv"'
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0] == ["at", "actor_kind", "actor", "address", "action", "target", "details"]
    assert [row[:6] for row in rows[1:]] == [
        [
            "2026-03-02T09:00:00+00:00",
            "user",
            admin.email,
            "127.0.0.1",
            "export.csv",
            "file:audit-2026-03-02.csv",
        ],
        ["2026-03-02T09:00:00+00:00", "user", "'-2+3", "198.51.100.1", "export.csv", "'@file"],
        [
            "2026-03-02T09:00:00+00:00",
            "api_key",
            f'\'=HYPERLINK("http://x") ({key[:10]}…)',
            "127.0.0.1",
            "bounce.recorded",
            f"customer:{db.session.scalar(sa.select(Customer.id))}",
        ],
        ["2026-03-02T09:00:00+00:00", "cli", "cli", "", "api_key.created", f"api_key:{key[:10]}"],
        [
            "2026-03-02T09:00:00+00:00",
            "user",
            admin.email,
            "127.0.0.1",
            "auth.sign_in",
            f"user:{admin.id}",
        ],
    ]
    assert rows[1][6] == '{"query": {"since": "2026-03-02"}}'
    assert rows[4][6] == '{"name": "=HYPERLINK(\\"http://x\\")", "scopes": "ingest"}'


def test_api_key_use_is_counted_per_scope_and_day_and_written_now_and_then(
    app: Flask, client: FlaskClient, clock: FrozenClock, api_key: str, login: Callable[..., User]
) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}

    def stored() -> list[tuple[str, date, int]]:
        db.session.expire_all()
        rows = db.session.scalars(sa.select(ApiKeyUse).order_by(ApiKeyUse.day, ApiKeyUse.scope))
        return [(row.scope, row.day, row.count) for row in rows]

    today = clock.now.date()
    assert client.get("/api/v1/responses", headers=headers).status_code == 200
    assert stored() == [("read", today, 1)]  # a process writes its first use at once
    client.get("/api/v1/responses", headers=headers)
    client.post("/api/v1/unsubscribes", json={"email": "a@example.com"}, headers=headers)
    assert stored() == [("read", today, 1)]  # no write per request
    clock.advance(seconds=60)
    client.get("/api/v1/responses", headers=headers)
    assert stored() == [("ingest", today, 1), ("read", today, 3)]
    clock.advance(days=1)
    client.get("/api/v1/responses", headers=headers)
    client.patch("/api/v1/followups/1", json={"note": "x"}, headers=headers)
    assert client.get("/api/v1/responses").status_code == 401  # no key: nothing counted
    assert stored() == [
        ("ingest", today, 1),
        ("read", today, 3),
        ("read", today + timedelta(days=1), 1),
    ]

    # The log page writes what this process has counted before it shows the counts.
    login("admin")
    page = client.get("/admin/audit")
    assert stored()[-2:] == [
        ("ingest", today + timedelta(days=1), 1),
        ("read", today + timedelta(days=1), 1),
    ]
    key = f"helpdesk ({api_key[:10]}…)"
    assert (
        f'<td class="text">{key}</td>\n      <td>read</td>\n      <td>4</td>\n      <td>2</td>'
        f"\n      <td>{today}</td>\n      <td>{today + timedelta(days=1)}</td>"
    ) in page.text
    narrowed = client.get(f"/admin/audit?since={today + timedelta(days=1)}&actor={api_key[:6]}")
    assert f'<td class="text">{key}</td>\n      <td>read</td>\n      <td>1</td>' in narrowed.text
    assert "No API key was used in these days." in client.get("/admin/audit?actor=zzz").text


def test_a_stopping_web_process_writes_its_counts(
    app: Flask, client: FlaskClient, clock: FrozenClock, api_key: str
) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    client.get("/api/v1/responses", headers=headers)
    client.get("/api/v1/responses", headers=headers)

    class Worker:
        wsgi = app

    gunicorn_config.worker_exit(None, Worker())
    assert db.session.scalar(sa.select(ApiKeyUse.count)) == 2


def test_the_retention_job_deletes_old_events_only(
    app: Flask, clock: FrozenClock, api_key: str
) -> None:
    app.config["AUDIT_RETENTION_DAYS"] = 30
    kept = [
        add_event(clock.now - timedelta(days=30), "export.csv"),
        add_event(clock.now - timedelta(days=1), "export.csv"),
    ]
    add_event(clock.now - timedelta(days=30, seconds=1), "export.csv")
    add_event(clock.now - timedelta(days=400), "export.csv")
    key_id = db.session.scalar(sa.text("SELECT id FROM api_keys"))
    for days in (31, 30):
        db.session.add(
            ApiKeyUse(
                key_id=key_id, scope="read", day=clock.now.date() - timedelta(days=days), count=1
            )
        )
    db.session.commit()

    assert run_job(app, all_jobs()["purge-audit-log"]) == 2

    remaining = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [event.id for event in remaining[:2]] == kept
    assert [(e.actor_kind.value, e.action, e.details) for e in remaining[2:]] == [
        ("system", "audit.purged", {"events": 2, "before": "2026-01-31T09:00:00+00:00", "days": 30})
    ]
    assert db.session.scalars(sa.select(ApiKeyUse.day)).all() == [
        clock.now.date() - timedelta(days=30)
    ]
    assert run_job(app, all_jobs()["purge-audit-log"]) == 0
    assert len(logged("audit.")) == 1


def test_details_never_hold_secrets_and_actions_are_known(app: Flask) -> None:
    event = record(
        "export.csv",
        details={"password": "x", "webhook_secret": "y", "nested": {"Token": "z", "ok": "kept"}},
    )
    assert event.details == {
        "password": WITHHELD,
        "webhook_secret": WITHHELD,
        "nested": {"Token": WITHHELD, "ok": "kept"},
    }
    assert event.actor_kind is ActorKind.SYSTEM
    with pytest.raises(ValueError, match=r"unknown audit action 'made\.up'"):
        record("made.up")
    assert "person.forgotten" in ACTIONS


def test_the_readme_lists_every_action() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    listed = readme[readme.index("The actions: ") : readme.index("No event holds a password")]
    assert sorted(set(re.findall(r"`([a-z_]+\.[a-z_]+)`", listed))) == sorted(ACTIONS)
