"""GET /api/v1/interactions: what each ticket produced, filtered and paged like responses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feedback_app.extensions import db
from feedback_app.models import Interaction
from tests.helpers import FrozenClock

URL = "/api/v1/interactions"


@pytest.fixture
def auth(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


@pytest.fixture
def get(client: FlaskClient, auth: dict[str, str]) -> Callable[..., TestResponse]:
    def do(**params: Any) -> TestResponse:
        return client.get(URL, query_string=params, headers=auth)

    return do


@pytest.fixture
def post(client: FlaskClient, auth: dict[str, str]) -> Callable[..., int]:
    """Post an interaction and return its id."""

    def do(external_id: str, email: str | None = "casey@example.com", **fields: Any) -> int:
        body = {"external_id": external_id, "customer": {"email": email}, **fields}
        answer = client.post(URL, json=body, headers=auth)
        assert answer.status_code == 202, answer.json
        return answer.json["interaction_id"]

    return do


def ids(answer: TestResponse) -> list[int]:
    assert answer.status_code == 200, answer.json
    return [item["id"] for item in answer.json["items"]]


def test_a_read_key_is_required(client: FlaskClient, make_api_key: Callable[..., str]) -> None:
    assert client.get(URL).status_code == 401
    ingest_only = {"Authorization": f"Bearer {make_api_key('ingest')}"}
    assert client.get(URL, headers=ingest_only).status_code == 403


def test_an_invited_interaction_shows_its_invitation(
    get: Callable[..., TestResponse], post: Callable[..., int]
) -> None:
    made = post(
        "T-1",
        channel="chat",
        team="Billing",
        agent={"email": "alex@example.com"},
        opened_at="2026-03-02T08:00:00Z",
        resolved_at="2026-03-02T08:30:00Z",
        delay_seconds=3600,
    )
    (item,) = get().json["items"]
    invitation_id = item["invitation"]["id"]
    assert item == {
        "id": made,
        "source": "api",
        "external_id": "T-1",
        "customer_email": "casey@example.com",
        "channel": "Chat",
        "agent_email": "alex@example.com",
        "team": "Billing",
        "opened_at": "2026-03-02T08:00:00Z",
        "resolved_at": "2026-03-02T08:30:00Z",
        "created_at": "2026-03-02T09:00:00Z",
        "updated_at": "2026-03-02T09:00:00Z",
        "invitation": {
            "id": invitation_id,
            "status": "scheduled",
            "survey": "csat",
            "survey_id": item["invitation"]["survey_id"],
            "scheduled_for": "2026-03-02T10:00:00Z",
            "sent_at": None,
            "responded_at": None,
        },
        "reason": None,
        "routing": {
            "survey_id": item["invitation"]["survey_id"],
            "survey_name": "Support satisfaction (CSAT)",
            "rule_id": None,
            "reason": "no rule matched: the default CSAT survey",
        },
    }


def test_a_suppressed_invitation_shows_with_its_reason(
    client: FlaskClient,
    auth: dict[str, str],
    get: Callable[..., TestResponse],
    post: Callable[..., int],
) -> None:
    client.post("/api/v1/unsubscribes", json={"email": "casey@example.com"}, headers=auth)
    post("T-1")
    (item,) = get().json["items"]
    assert item["invitation"]["status"] == "suppressed"
    assert item["reason"] == "unsubscribed"


def test_no_invitation_says_why(
    clock: FrozenClock, get: Callable[..., TestResponse], post: Callable[..., int]
) -> None:
    post("T-1", survey="none")
    # A contact without a customer comes from an import (``feedback import-interactions``).
    db.session.add(Interaction(external_id="T-2", created_at=clock.now, updated_at=clock.now))
    db.session.commit()
    reasons = {item["external_id"]: item for item in get().json["items"]}
    assert (reasons["T-1"]["invitation"], reasons["T-1"]["reason"]) == (None, "not_requested")
    assert (reasons["T-2"]["invitation"], reasons["T-2"]["reason"]) == (None, "anonymous")
    assert reasons["T-2"]["customer_email"] is None


def test_newest_first_with_ties_broken_by_id(
    clock: FrozenClock, get: Callable[..., TestResponse], post: Callable[..., int]
) -> None:
    old = post("T-1")
    clock.advance(hours=1)
    tie_a, tie_b = post("T-2"), post("T-3")
    assert ids(get()) == [tie_b, tie_a, old]


def test_filters(
    clock: FrozenClock, get: Callable[..., TestResponse], post: Callable[..., int]
) -> None:
    at_9 = post("T-1")  # 2026-03-02T09:00Z
    clock.advance(hours=1)
    at_10 = post("T-2", email="pat@example.com")
    from_connector = Interaction(
        source="zendesk-abc", external_id="T-1", created_at=clock.now, updated_at=clock.now
    )
    db.session.add(from_connector)
    db.session.commit()
    assert ids(get(external_id="T-1")) == [from_connector.id, at_9]
    assert ids(get(external_id="T-1", source="api")) == [at_9]
    assert ids(get(source="zendesk-abc")) == [from_connector.id]
    assert ids(get(source="nowhere")) == []
    assert ids(get(since="2026-03-02T10:00:00Z")) == [from_connector.id, at_10]
    assert ids(get(until="2026-03-02T10:00:00Z")) == [at_9]
    # Offsets are honoured: 11:00+02:00 is 09:00Z.
    assert ids(get(since="2026-03-02T11:00:00+02:00", source="api")) == [at_10, at_9]


def test_paging(
    clock: FrozenClock, get: Callable[..., TestResponse], post: Callable[..., int]
) -> None:
    made = []
    for n in range(5):
        made.insert(0, post(f"T-{n}", email=f"c{n}@example.com"))
        clock.advance(minutes=1)
    first = get(per_page=2)
    assert ids(first) == made[:2]
    assert {k: first.json[k] for k in ("page", "per_page", "total", "pages")} == {
        "page": 1,
        "per_page": 2,
        "total": 5,
        "pages": 3,
    }
    assert ids(get(per_page=2, page=3)) == made[4:]
    assert ids(get(per_page=2, page=4)) == []


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"since": "yesterday"}, {"since"}),
        ({"until": "2026-03-02T08:00:00"}, {"until"}),
        ({"external_id": "x" * 201}, {"external_id"}),
        ({"source": "s" * 61}, {"source"}),
        ({"source": "a\x00b"}, {"source"}),
        ({"since": "x", "until": "y", "page": "0"}, {"since", "until", "page"}),
        ({"per_page": "501"}, {"per_page"}),
    ],
)
def test_bad_filters_are_a_422_naming_each(
    get: Callable[..., TestResponse], params: dict, bad: set[str]
) -> None:
    answer = get(**params)
    assert answer.status_code == 422
    assert answer.json["message"] == "invalid filters"
    assert set(answer.json["errors"]) == bad


@pytest.fixture
def count_queries(app: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", record)


def test_the_number_of_queries_does_not_grow_with_the_page(
    get: Callable[..., TestResponse], post: Callable[..., int], count_queries: list[str]
) -> None:
    post("T-0")
    get()  # the first request also records the key's last use
    db.session.expunge_all()
    count_queries.clear()
    assert len(ids(get())) == 1
    one = len(count_queries)
    for n in range(1, 13):
        post(
            f"T-{n}",
            email=f"c{n}@example.com",
            team=f"Team {n}",
            agent={"email": f"a{n}@example.com"},
        )
    db.session.expunge_all()
    count_queries.clear()
    assert len(ids(get())) == 13
    assert len(count_queries) == one, count_queries
