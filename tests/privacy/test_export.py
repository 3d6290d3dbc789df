"""Exporting a customer: exactly their data, the same from the command line and the API."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, OutboxChannel, OutboxMessage
from tests.helpers import FrozenClock
from tests.privacy.conftest import ANA, JOANA, Person
from tests.questions.asked import Asked


def test_the_export_holds_exactly_their_data(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    api_key: str,
    clock: FrozenClock,
    people: Callable[[], dict[str, Person]],
    asked: Asked,
) -> None:
    ana = people()[ANA]
    result = runner.invoke(args=["export-person", ANA])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    answer = client.get(
        f"/api/v1/people/{ANA}/export", headers={"Authorization": f"Bearer {api_key}"}
    )
    assert answer.status_code == 200
    assert answer.get_json() == document

    assert list(document) == sorted(
        [
            "format",
            "version",
            "exported_at",
            "customer",
            "interactions",
            "invitations",
            "responses",
            "cases",
            "emails",
            "webhook_deliveries",
            "unsubscribes",
            "helpdesk_deliveries",
        ]
    )
    assert (document["format"], document["version"]) == ("feedback.person-export", 1)
    assert document["exported_at"] == "2026-03-02T09:00:00Z"
    customer = document["customer"]
    assert (customer["id"], customer["email"], customer["name"]) == (ana.customer_id, ANA, "Ana")
    assert (customer["locale"], customer["properties"]) == ("fr", {"plan": f"plan-of-{ANA}"})
    assert customer["delighted_id"] == "5976"
    assert [i["external_id"] for i in document["interactions"]] == ["T-1-1", "T-1-2"]
    assert [i["id"] for i in document["interactions"]] == ana.interaction_ids
    parts = ("channel", "topic", "answered", "talk_seconds", "hold_seconds", "after_work_seconds")
    # Only the parts of handle time were given, so its total is not stored.
    assert [
        tuple(i[part] for part in (*parts, "handle_seconds")) for i in document["interactions"]
    ] == [
        ("Chat", "Refund", True, 240, 30, 60, None),
        ("Chat", "Refund", True, 240, 30, 60, None),
    ]
    assert [i["id"] for i in document["invitations"]] == ana.invitation_ids
    assert [(i["status"], i["kind"]) for i in document["invitations"]] == [("responded", "csat")]
    [response] = document["responses"]
    assert (response["id"], response["score"], response["comment"]) == (
        ana.response_ids[0],
        1,
        ana.comment,
    )
    assert response["review"] == {"acknowledged_at": "2026-03-02T09:00:00Z", "tags": ["Billing"]}
    assert response["answers"] == [
        {
            "question": asked.reason.id,
            "question_text": {
                "en": "What was the main reason?",
                "fr": "Quelle était la raison principale ?",
            },
            "choices": [
                {
                    "id": asked.choice(asked.reason, "Too slow"),
                    "text": {"en": "Too slow", "fr": "Trop lent"},
                }
            ],
            "text": None,
            "rating": None,
        },
        {
            "question": asked.word.id,
            "question_text": {"en": "One word for us?", "fr": "Un mot pour nous ?"},
            "choices": [],
            "text": f"Write to {ANA}",
            "rating": None,
        },
    ]
    assert response["delighted"] == {
        "id": "5436",
        "tags": ["Checkout"],
        "notes": [
            {
                "text": f"Called {ANA} back",
                "author": "support@example.com",
                "at": "2025-11-22T09:00:00Z",
            }
        ],
    }
    [case] = document["cases"]
    assert case["id"] == ana.case_id
    assert [event["kind"] for event in case["timeline"]] == [
        "opened",
        "assigned",
        "status",
        "note",
        "message",
    ]
    assert case["timeline"][3]["body"] == f"Rang {ANA} back"
    assert case["replies"] == [
        {
            "at": "2026-03-02T09:00:00Z",
            "author": "lead@example.com",
            "subject": "Sorry",
            "body": f"Dear {ANA}, we are sorry.",
        }
    ]
    to_her = db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.channel == OutboxChannel.EMAIL, OutboxMessage.recipient == ANA)
        .order_by(OutboxMessage.id)
    ).all()
    assert len(to_her) == 2
    assert [email["id"] for email in document["emails"]] == list(to_her)
    assert [email["purpose"] for email in document["emails"]] == ["invitation", "reply"]
    assert [d["event"] for d in document["webhook_deliveries"]] == [
        "followup.created",
        "response.created",
        "followup.updated",
        "followup.updated",
        "unsubscribe.created",
    ]
    assert {d["host"] for d in document["webhook_deliveries"]} == {"127.0.0.1"}
    assert [
        (u["kind"], u["source"], u["reason"], u["revoked_reason"]) for u in document["unsubscribes"]
    ] == [("all", "link", None, None)]
    [delivery] = document["helpdesk_deliveries"]
    assert (delivery["outcome"], delivery["ticket_id"]) == ("rejected", None)
    assert json.loads(delivery["body"])["customer"]["email"] == ANA.upper()
    # Nothing of Joana's, whose address contains Ana's.
    assert "joana" not in json.dumps(document).lower()
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "person.exported").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor, e.target) for e in events] == [
        ("cli", f"customer:{ana.customer_id}"),
        (f"helpdesk ({api_key[:10]}…)", f"customer:{ana.customer_id}"),
    ]


def test_the_other_customers_export_is_theirs(
    runner: FlaskCliRunner, people: Callable[[], dict[str, Person]], tmp_path: object
) -> None:
    joana = people()[JOANA]
    target = f"{tmp_path}/joana.json"
    result = runner.invoke(args=["export-person", JOANA, "--output", target])
    assert result.exit_code == 0, result.output
    with open(target, encoding="utf-8") as handle:
        document = json.load(handle)
    assert document["customer"]["email"] == JOANA
    assert document["customer"]["bounced_at"] == "2026-03-02T09:00:00Z"
    assert [r["id"] for r in document["responses"]] == joana.response_ids
    assert document["unsubscribes"] == []
    text = json.dumps(document)
    assert f'"{ANA}' not in text and f" {ANA}" not in text
