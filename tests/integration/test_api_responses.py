"""GET /api/v1/responses: payload, order, filters, paging, and a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Interaction, Response, Team
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind, channels, classify
from tests.helpers import FrozenClock

URL = "/api/v1/responses"


@pytest.fixture
def get(client: FlaskClient, api_key: str) -> Callable[..., TestResponse]:
    def do(**params: Any) -> TestResponse:
        return client.get(URL, query_string=params, headers={"Authorization": f"Bearer {api_key}"})

    return do


@pytest.fixture
def add_response(app: Any, clock: FrozenClock) -> Callable[..., Response]:
    """Store a response ``ago`` before now, for a customer, interaction, agent and team."""
    counter = iter(range(1, 10_000))

    def add(
        kind: str = "csat",
        score: int = 5,
        ago: timedelta = timedelta(0),
        comment: str = "",
        anonymous: bool = False,
    ) -> Response:
        n = next(counter)
        at = clock.now - ago
        survey = survey_for_kind(SurveyKind(kind), clock.now)
        response = Response(
            survey=survey,
            kind=survey.kind,
            score=score,
            bucket=classify(survey.kind, score),
            comment=comment,
            source="page",
            created_at=at,
            updated_at=at + timedelta(minutes=1),
        )
        if not anonymous:
            team = Team(name=f"Team {n}")
            customer = Customer(
                email=f"c{n}@example.com", name="", properties={}, created_at=at, updated_at=at
            )
            agent = Agent(email=f"agent{n}@example.com", name=f"Agent {n}", team=team)
            interaction = Interaction(
                external_id=f"T-{n}",
                customer=customer,
                channel=channels.CHAT,
                agent=agent,
                team=team,
                created_at=at,
                updated_at=at,
            )
            response.customer = customer
            response.interaction = interaction
            response.channel = interaction.channel
            response.agent = agent
            response.team = team
        db.session.add(response)
        db.session.commit()
        return response

    return add


def ids(answer: TestResponse) -> list[int]:
    assert answer.status_code == 200, answer.json
    return [item["id"] for item in answer.json["items"]]


def test_a_key_is_required(client: FlaskClient) -> None:
    assert client.get(URL).status_code == 401


def test_the_payload_of_a_response(
    get: Callable[..., TestResponse], add_response: Callable[..., Response]
) -> None:
    stored = add_response(kind="nps", score=6, comment="Too slow", ago=timedelta(hours=2))
    assert get().json == {
        "items": [
            {
                "id": stored.id,
                "score": 6,
                "bucket": "detractor",
                "comment": "Too slow",
                "answers": [],
                "kind": "nps",
                "survey_id": stored.survey_id,
                "customer_email": "c1@example.com",
                "interaction_external_id": "T-1",
                "channel": "Chat",
                "agent_email": "agent1@example.com",
                "team": "Team 1",
                "created_at": "2026-03-02T07:00:00Z",
                "updated_at": "2026-03-02T07:01:00Z",
            }
        ],
        "page": 1,
        "per_page": 50,
        "total": 1,
        "pages": 1,
    }


def test_an_anonymous_response_has_nulls(
    get: Callable[..., TestResponse], add_response: Callable[..., Response]
) -> None:
    add_response(anonymous=True)
    (item,) = get().json["items"]
    assert [item[k] for k in ("customer_email", "interaction_external_id", "channel")] == [
        None,
        None,
        None,
    ]
    assert (item["agent_email"], item["team"]) == (None, None)


def test_newest_first_with_ties_broken_by_id(
    get: Callable[..., TestResponse], add_response: Callable[..., Response]
) -> None:
    old = add_response(ago=timedelta(days=3))
    tie_a = add_response(ago=timedelta(days=1))
    new = add_response(ago=timedelta(0))
    tie_b = add_response(ago=timedelta(days=1))
    assert ids(get()) == [new.id, tie_b.id, tie_a.id, old.id]


def test_since_is_inclusive_and_until_exclusive(
    get: Callable[..., TestResponse], add_response: Callable[..., Response]
) -> None:
    at_9 = add_response(ago=timedelta(0))  # 2026-03-02T09:00Z
    at_8 = add_response(ago=timedelta(hours=1))
    at_7 = add_response(ago=timedelta(hours=2))
    assert ids(get(since="2026-03-02T08:00:00Z")) == [at_9.id, at_8.id]
    assert ids(get(until="2026-03-02T08:00:00Z")) == [at_7.id]
    assert ids(get(since="2026-03-02T07:00:00Z", until="2026-03-02T09:00:00Z")) == [
        at_8.id,
        at_7.id,
    ]
    # Offsets are honoured: 10:00+02:00 is 08:00Z.
    assert ids(get(since="2026-03-02T10:00:00+02:00")) == [at_9.id, at_8.id]


def test_filter_by_kind_and_bucket(
    get: Callable[..., TestResponse], add_response: Callable[..., Response]
) -> None:
    happy = add_response(kind="csat", score=5)
    unhappy = add_response(kind="csat", score=2)
    easy = add_response(kind="ces", score=7)
    promoter = add_response(kind="nps", score=10)
    assert ids(get(kind="csat")) == [unhappy.id, happy.id]
    assert ids(get(bucket="satisfied")) == [easy.id, happy.id]
    assert ids(get(kind="csat", bucket="satisfied")) == [happy.id]
    assert ids(get(bucket="promoter")) == [promoter.id]
    assert ids(get(kind="nps", bucket="satisfied")) == []


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        ({"since": "yesterday"}, {"since"}),
        ({"until": "2026-03-02T08:00:00"}, {"until"}),
        ({"since": ""}, {"since"}),
        ({"kind": "happiness"}, {"kind"}),
        ({"kind": "CSAT"}, {"kind"}),
        ({"bucket": "happy"}, {"bucket"}),
        (
            {"since": "x", "until": "y", "kind": "z", "bucket": "w"},
            {"since", "until", "kind", "bucket"},
        ),
        ({"page": "0"}, {"page"}),
        ({"per_page": "501"}, {"per_page"}),
        ({"page": "two"}, {"page"}),
    ],
)
def test_bad_parameters_are_a_422_naming_each(
    get: Callable[..., TestResponse], params: dict, bad: set[str]
) -> None:
    answer = get(**params)
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == bad


def test_an_unescaped_plus_in_an_offset_gets_a_hint(get: Callable[..., TestResponse]) -> None:
    answer = get(since="2026-03-02T10:00:00 02:00")
    assert "write + as %2B" in answer.json["errors"]["since"]


def test_paging(get: Callable[..., TestResponse], add_response: Callable[..., Response]) -> None:
    made = [add_response(ago=timedelta(minutes=n)) for n in range(5)]
    first = get(per_page=2)
    assert ids(first) == [made[0].id, made[1].id]
    assert {k: first.json[k] for k in ("page", "per_page", "total", "pages")} == {
        "page": 1,
        "per_page": 2,
        "total": 5,
        "pages": 3,
    }
    assert ids(get(per_page=2, page=3)) == [made[4].id]
    assert ids(get(per_page=2, page=4)) == []
    assert get(per_page=2, page=2, kind="csat").json["total"] == 5


@pytest.fixture
def count_queries(app: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", record)


def test_the_number_of_queries_does_not_grow_with_the_page(
    get: Callable[..., TestResponse],
    add_response: Callable[..., Response],
    count_queries: list[str],
) -> None:
    add_response()
    get()  # the first request also records the key's last use
    db.session.expunge_all()
    count_queries.clear()
    assert len(ids(get())) == 1
    one = len(count_queries)
    for n in range(12):
        add_response(kind=["csat", "ces", "nps"][n % 3], score=5)
    db.session.expunge_all()
    count_queries.clear()
    assert len(ids(get())) == 13
    assert len(count_queries) == one, count_queries
