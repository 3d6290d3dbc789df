"""The database unavailable for a moment, for real (see tests/outage.py): customers are told
to wait and keep their answer, which is saved once the database is back; staff and API
clients get a readable 503; the worker carries on by itself."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from feedback_app.models import Invitation, User
from tests.delivery.sinks import Received, SmtpSink
from tests.faults.support import WatchedSink, due_invitations, worker_env
from tests.helpers import csrf_from, feedback_command, running, wait_for_line
from tests.outage import Outage, stored_answers

MakeInvitation = Callable[..., tuple[Invitation, str]]


class FormFields(HTMLParser):
    """The name and value of each field of a page's form, as a browser would send them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("name"):
            self.fields.append((named["name"] or "", named.get("value") or ""))
        elif tag == "textarea":
            self._textarea = named.get("name")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields.append((self._textarea, data))
            self._textarea = None


def test_an_answer_sent_during_an_outage_is_kept_and_saved_once_the_database_is_back(
    outage: Outage,
    client: FlaskClient,
    database_url: str,
    make_invitation: MakeInvitation,
    login: Callable[..., User],
    api_key: str,
) -> None:
    _, token = make_invitation("csat")
    _, unopened = make_invitation("nps", email="other@example.com")
    login("manager")
    french = {"Accept-Language": "fr"}
    csrf = csrf_from(client.get(f"/s/{token}", headers=french).text)

    outage.cut()
    refused = client.post(
        f"/s/{token}",
        data={"csrf_token": csrf, "score": "2", "comment": "Slow to reply"},
        headers=french,
    )
    opened = client.get(f"/s/{unopened}?score=9", headers=french)
    dashboard = client.get("/dashboard")
    api = client.post(
        "/api/v1/interactions",
        json={"external_id": "T-1", "customer": {"email": "new@example.com"}},
        headers={"Authorization": f"Bearer {api_key}"},
    )
    answers_during = stored_answers(database_url)
    outage.restore()

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "2"
    assert "Votre réponse n'est pas encore enregistrée" in html.unescape(refused.text)
    kept = FormFields(refused.text).fields
    assert kept == [
        ("csrf_token", csrf),
        ("score", "2"),
        ("retry", "1"),
        ("comment", "Slow to reply"),
    ]
    assert re.search(r'<form class="answer retry" method="post" action="/s/[^"]+"', refused.text)
    assert 'data-retry-in="2"' in refused.text
    assert answers_during == []

    assert opened.status_code == 503
    assert "Veuillez réessayer dans un instant" in opened.text
    assert FormFields(opened.text).fields == [("score", "9"), ("retry", "1")]
    assert 'method="get"' in opened.text
    # SQLite's outage only refuses writes: a page that only reads still shows.
    assert dashboard.status_code == (503 if outage.blocks_reads else 200)
    if outage.blocks_reads:
        assert "Temporarily unavailable" in dashboard.text
        assert dashboard.headers["Retry-After"] == "5"
    assert api.status_code == 503
    assert api.json is not None and api.json["error"] == "unavailable"
    assert api.headers["Retry-After"] == "5"

    # The page's form sent again (by its script or the button), twice for good measure.
    for _ in range(2):
        again = client.post(f"/s/{token}", data=dict(kept))
        assert again.status_code == 303
    assert stored_answers(database_url) == [(2, "Slow to reply")]


def test_the_worker_carries_on_by_itself_once_the_database_is_back(
    outage: Outage, app: Flask, tmp_path: Path
) -> None:
    handler = WatchedSink()
    sink = SmtpSink(handler)
    sink.start()
    env = worker_env(
        outage.url,
        sink.port,
        **{f"FEEDBACK_{key}": str(value) for key, value in outage.settings.items()},
    )

    def arrived(email: str) -> Callable[[list[Received]], bool]:
        return lambda received: email in handler.recipients()

    try:
        due_invitations(["before@example.com"])
        with running(feedback_command("worker"), env, tmp_path) as worker:
            handler.wait_for(arrived("before@example.com"))
            outage.cut()
            wait_for_line(worker, "database unavailable, trying again at its next run")
            outage.restore()
            due_invitations(["after@example.com"])
            handler.wait_for(arrived("after@example.com"))
            assert worker.poll() is None
    finally:
        sink.stop()
    assert handler.recipients() == {"before@example.com", "after@example.com"}
