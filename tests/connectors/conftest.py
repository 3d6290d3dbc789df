"""The app on a real server, connectors of every type, and an Intercom REST API stand-in."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from flask import Flask

from feedback_app.connectors.setup import Settings, create_connector
from feedback_app.extensions import db
from feedback_app.models import Connector
from tests.connectors.vendors import AGENT, EMAIL, EVENT_HEADERS, SECRET, TICKET, encode, sign
from tests.helpers import FrozenClock, JsonHandler, Served, http_server

INTERCOM_TOKEN = "dG9rOmludGVyY29tLXRlc3Q="

#: ``GET`` paths and the JSON Intercom's REST API documents for them.
INTERCOM_ANSWERS: dict[str, dict[str, Any]] = {
    "/contacts/ct_1": {
        "type": "contact",
        "id": "ct_1",
        "workspace_id": "abc123",
        "external_id": "u-1",
        "role": "user",
        "email": EMAIL,
        "name": "Casey Jones",
        "has_hard_bounced": False,
        "marked_email_as_spam": False,
        "unsubscribed_from_emails": False,
        "browser_language": "en",
        "language_override": "fr",
        "created_at": 1700000000,
    },
    "/admins/9": {
        "type": "admin",
        "id": "9",
        "name": "Alex Agent",
        "email": AGENT,
        "job_title": "Support",
        "away_mode_enabled": False,
        "has_inbox_seat": True,
        "team_ids": [5],
    },
    "/teams/5": {"type": "team", "id": "5", "name": "Billing", "admin_ids": [9]},
}


@dataclass
class IntercomApi:
    """Answers as Intercom's REST API does; ``hold`` keeps the next request unanswered."""

    url: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)
    hold: threading.Event | None = None
    held: threading.Event = field(default_factory=threading.Event)
    status: int = 200
    answers: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(INTERCOM_ANSWERS))


@pytest.fixture
def intercom_api() -> Iterator[IntercomApi]:
    api = IntercomApi()

    class Handler(JsonHandler):
        def do_GET(self) -> None:
            api.requests.append((self.path, self.headers.get("Authorization", "")))
            if api.hold is not None:
                api.held.set()
                api.hold.wait(30)
                return
            found = api.answers.get(self.path)
            authorized = self.headers.get("Authorization") == f"Bearer {INTERCOM_TOKEN}"
            if not authorized:
                status, answer = 401, {"type": "error.list", "errors": [{"code": "unauthorized"}]}
            elif found is None:
                status, answer = 404, {"type": "error.list", "errors": [{"code": "not_found"}]}
            else:
                status, answer = api.status, found
            self.answer_json(status, answer)

    with http_server(Handler) as url:
        api.url = url
        yield api
        if api.hold is not None:
            api.hold.set()


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    """The app on a real HTTP server in a thread; requests run in their own app contexts."""
    served = Served(app)
    yield served.url
    served.close()


@pytest.fixture
def make_connector(
    app: Flask, clock: FrozenClock, intercom_api: IntercomApi
) -> Callable[..., Connector]:
    def make(kind: str, secret: str | None = SECRET, **settings: Any) -> Connector:
        if kind == "intercom":
            settings.setdefault("access_token", INTERCOM_TOKEN)
            settings.setdefault("api_url", intercom_api.url)
        connector = create_connector(
            kind, f"Our {kind}", clock.now, secret=secret, settings=Settings(**settings)
        )
        db.session.commit()
        return connector

    return make


@dataclass
class Poster:
    """Sends deliveries to the live server as the helpdesk would."""

    base: str
    clock: FrozenClock

    def signed(
        self,
        connector: Connector,
        payload: Any,
        *,
        secret: str = SECRET,
        headers: dict[str, str] | None = None,
        tamper: bool = False,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers the helpdesk sends now.

        ``tamper`` changes the ticket id in the body after signing; Freshdesk signs nothing,
        so there the secret it sends is changed instead.
        """
        raw = encode(payload)
        extra = EVENT_HEADERS.get(connector.type, {}) if headers is None else headers
        signed = sign(connector.type, raw, secret, self.clock.now, **extra)
        if tamper and connector.type == "freshdesk":
            signed["X-Feedback-Secret"] = secret[:-1] + "x"
        elif tamper:
            assert TICKET.encode() in raw
            raw = raw.replace(TICKET.encode(), b"1002", 1)
        return raw, signed

    def send(self, connector: Connector, body: bytes, headers: dict[str, str]) -> requests.Response:
        return requests.post(
            f"{self.base}/hooks/{connector.id}", data=body, headers=headers, timeout=10
        )

    def __call__(self, connector: Connector, payload: Any, **options: Any) -> requests.Response:
        return self.send(connector, *self.signed(connector, payload, **options))


@pytest.fixture
def post(live: str, clock: FrozenClock) -> Poster:
    return Poster(live, clock)
