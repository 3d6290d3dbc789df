"""Migration 1107 keeps every response and counts those already settled as announced, as
they read: nothing old is sent again, a later change is described against them, and an
answer not yet settled is still announced by the worker."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from feedback_app.extensions import db
from feedback_app.models import Invitation, OutboxMessage, Response, WebhookEndpoint
from feedback_app.questions.service import asked_questions, record_answers
from feedback_app.services.announcing import rows_digest, text_digest
from feedback_app.services.settling import settle_answers
from surveys.questions import Answer
from tests.helpers import FrozenClock, store_answer
from tests.questions.asked import add_asked

EVENTS = ["response.created", "response.updated"]
ANNOUNCED = (
    Response.id,
    Response.announced_at,
    Response.announced_score,
    Response.announced_comment_digest,
    Response.announced_answers_digest,
)


def announced() -> list[tuple[Any, ...]]:
    db.session.expire_all()
    return [tuple(row) for row in db.session.execute(sa.select(*ANNOUNCED).order_by(Response.id))]


def queued() -> list[tuple[str, Any]]:
    """Each webhook queued: its event and its ``data.changed``."""
    bodies = db.session.scalars(sa.select(OutboxMessage.payload).order_by(OutboxMessage.id))
    return [
        (body["type"], body["data"].get("changed"))
        for body in (json.loads(payload["body"]) for payload in bodies)
    ]


def test_settled_responses_count_as_announced_as_they_read(
    app: Flask, clock: FrozenClock, make_invitation: Callable[..., tuple[Invitation, str]]
) -> None:
    asked = add_asked(clock)
    db.session.add(
        WebhookEndpoint(url="https://hooks.example/in", events=EVENTS, format="standard",
                        secret="whsec_" + "A" * 44, created_at=clock.now)
    )  # fmt: skip
    db.session.commit()
    commented, _ = make_invitation("csat", "ana@example.com")
    answered = store_answer(commented, 2, clock.now, "Too slow")
    record_answers(
        answered, asked_questions(answered), [Answer(asked.stars.id, rating=2)], clock.now
    )
    scored, _ = make_invitation("csat", "bo@example.com")
    store_answer(scored, 5, clock.now)
    settle_answers()
    before = announced()
    assert before == [
        (
            answered.id,
            clock.now,
            2,
            text_digest("Too slow"),
            rows_digest([[asked.stars.id, None, None, 2]]),
        ),
        (answered.id + 1, clock.now, 5, None, None),
    ]
    waiting, _ = make_invitation("csat", "cy@example.com")
    late = store_answer(waiting, 4, clock.now, "Fine").id
    edited = commented.id
    assert queued() == [("response.created", None)] * 2
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Response))
    db.session.remove()

    downgrade(revision="1104")
    try:
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("responses")}
        assert "announced_at" not in columns
    finally:
        upgrade()

    assert announced() == [*before, (late, None, None, None, None)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == rows
    assert settle_answers() == 1
    clock.advance(minutes=5)
    invitation = db.session.get(Invitation, edited)
    assert invitation is not None
    store_answer(invitation, 2, clock.now, "Too slow, twice")
    assert settle_answers() == 1
    assert queued() == [
        ("response.created", None),
        ("response.created", None),
        ("response.created", None),
        ("response.updated", {"comment": {"to": "Too slow, twice"}}),
    ]
