"""Answers to the additional questions in the API, the webhooks and the responses CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Invitation, OutboxMessage
from feedback_app.services.settling import settle_answers
from feedback_app.services.webhooks import create_endpoint
from tests.helpers import FrozenClock, TestNames
from tests.questions.asked import Asked
from tests.questions.test_survey_page_questions import score, send

MakeInvitation = Callable[..., tuple[Invitation, str]]


def answered(client: FlaskClient, asked: Asked, make_invitation: MakeInvitation) -> dict[str, int]:
    """One unsatisfied customer's answers to every question; the choice ids they picked."""
    _, token = make_invitation("csat")
    score(client, token, 2)
    ids = {
        "slow": asked.choice(asked.reason, "Too slow"),
        "billing": asked.choice(asked.topics, "Billing"),
        "returns": asked.choice(asked.topics, "Returns"),
    }
    send(
        client,
        token,
        {
            f"question-{asked.reason.id}": ids["slow"],
            f"question-{asked.topics.id}": [ids["returns"], ids["billing"]],
            f"question-{asked.word.id}": "=Waiting",
            f"question-{asked.stars.id}": "3",
        },
    )
    return ids


def expected(asked: Asked, ids: dict[str, int]) -> list[dict[str, object]]:
    return [
        {"question": asked.reason.id, "choices": [ids["slow"]]},
        {"question": asked.topics.id, "choices": [ids["billing"], ids["returns"]]},
        {"question": asked.word.id, "text": "=Waiting"},
        {"question": asked.stars.id, "rating": 3},
    ]


def test_the_api_lists_each_responses_answers(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation, api_key: str
) -> None:
    ids = answered(client, asked, make_invitation)
    _, other = make_invitation("csat", email="other@example.com")
    score(client, other, 5)

    page = client.get("/api/v1/responses", headers={"Authorization": f"Bearer {api_key}"})

    assert [item["answers"] for item in page.json["items"]] == [[], expected(asked, ids)]


def test_webhooks_carry_the_answers(
    client: FlaskClient,
    asked: Asked,
    make_invitation: MakeInvitation,
    clock: FrozenClock,
    dns: TestNames,
) -> None:
    dns.answer("hooks.test", ["93.184.215.14"])
    create_endpoint("https://hooks.test/in", ["response.created"], clock.now)
    db.session.commit()
    ids = answered(client, asked, make_invitation)

    settle_answers()

    [row] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert json.loads(row.payload["body"])["data"]["answers"] == expected(asked, ids)


def test_the_csv_has_one_column_per_question(
    client: FlaskClient,
    asked: Asked,
    make_invitation: MakeInvitation,
    login: Callable[..., object],
) -> None:
    answered(client, asked, make_invitation)
    login("manager")

    body = client.get("/dashboard/export/responses.csv?kind=csat&since=2026-03-01&until=2026-03-02")

    header, row = list(csv.reader(io.StringIO(body.data.decode())))
    assert header[-4:] == [
        f"question {asked.reason.id}: What was the main reason?",
        f"question {asked.topics.id}: What was it about?",
        f"question {asked.word.id}: One word for us?",
        f"question {asked.stars.id}: Rate our website",
    ]
    # A spreadsheet must not run the customer's text as a formula.
    assert row[-4:] == ["Too slow", "Billing; Returns", "'=Waiting", "3"]
