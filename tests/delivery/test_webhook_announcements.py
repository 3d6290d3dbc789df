"""``response.created`` once the customer has finished: at once with a comment or answers to
the additional questions, after ``WEBHOOK_QUIET_SECONDS`` for a score alone; a later change
is ``response.updated`` naming what changed. Over real HTTP to the receiver, as the worker
sends them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_app.extensions import db
from feedback_app.jobs import all_jobs
from feedback_app.models import Invitation, OutboxMessage, Response, WebhookFormat
from feedback_app.questions.service import asked_questions, record_answers
from feedback_app.scheduler import run_job
from feedback_app.services.announcing import announce_quiet_answers
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.settling import settle_answers
from feedback_app.services.webhooks import create_endpoint, slack_changes
from surveys.questions import Answer
from tests.delivery.sinks import WebhookReceiver
from tests.helpers import FrozenClock, race, store_answer
from tests.questions.asked import add_asked

QUIET = 90
EVENTS = ["response.created", "response.updated"]
MakeInvitation = Callable[..., tuple[Invitation, str]]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {"WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True, "WEBHOOK_QUIET_SECONDS": QUIET}


def listen(
    receiver: WebhookReceiver, now: datetime, format: WebhookFormat = WebhookFormat.STANDARD
) -> None:
    """An endpoint of ``format`` for the response events at ``receiver``, given its secret."""
    endpoint = create_endpoint(receiver.url, EVENTS, now, format=format)
    db.session.commit()
    receiver.secret = endpoint.secret


def run_worker(app: Flask, now: datetime) -> None:
    """The worker's jobs that announce answers, then the outbox's delivery."""
    for name in ("settle-answers", "announce-answers"):
        run_job(app, all_jobs()[name])
    deliver_outbox(now)


class Casey:
    """Casey answering one invitation over time, the worker running after each step."""

    def __init__(self, app: Flask, clock: FrozenClock, invitation: Invitation) -> None:
        self.app, self.clock, self.invitation = app, clock, invitation

    def answers(self, score: int, comment: str = "", *, after: int = 0) -> Response:
        """Casey answers (or changes the answer) ``after`` seconds from now."""
        self.clock.advance(seconds=after)
        response = store_answer(self.invitation, score, self.clock.now, comment)
        run_worker(self.app, self.clock.now)
        return response

    def waits(self, seconds: int) -> None:
        self.clock.advance(seconds=seconds)
        run_worker(self.app, self.clock.now)


StartCasey = Callable[..., Casey]


@pytest.fixture
def casey(
    app: Flask,
    clock: FrozenClock,
    make_invitation: MakeInvitation,
    webhook_receiver: WebhookReceiver,
) -> StartCasey:
    """Casey invited to a survey of ``kind``, with an endpoint of ``format`` listening."""

    def start(kind: str = "nps", format: WebhookFormat = WebhookFormat.STANDARD) -> Casey:
        listen(webhook_receiver, clock.now, format)
        invitation, _ = make_invitation(kind=kind)
        return Casey(app, clock, invitation)

    return start


def data_of(response: Response, **changes: Any) -> dict[str, Any]:
    """The ``data`` of a response event about Casey's NPS answer ``response``."""
    return {
        "id": response.id,
        "survey_id": response.survey_id,
        "kind": "nps",
        "scale_max": 10,
        "answers": [],
        "customer": {"email": "customer@example.com", "name": "Casey"},
        "interaction_external_id": None,
        "channel": None,
        "agent": None,
        "team": None,
        "created_at": "2026-03-02T09:00:00+00:00",
    } | changes


def test_a_score_alone_goes_out_after_the_quiet_time_once(
    casey: StartCasey, webhook_receiver: WebhookReceiver
) -> None:
    customer = casey()
    response = customer.answers(2)
    customer.waits(QUIET - 1)
    assert webhook_receiver.deliveries == []

    customer.waits(1)
    customer.waits(600)

    assert webhook_receiver.verified == [
        {
            "type": "response.created",
            "timestamp": "2026-03-02T09:00:00+00:00",
            "data": data_of(
                response,
                score=2,
                bucket="detractor",
                comment="",
                updated_at="2026-03-02T09:00:00+00:00",
            ),
        }
    ]
    stored = db.session.get(Response, response.id)
    assert stored is not None
    assert (stored.announced_at, stored.announced_score, stored.announced_comment_digest) == (
        datetime(2026, 3, 2, 9, 1, 30, tzinfo=UTC),
        2,
        None,
    )


def test_a_score_changed_in_the_quiet_time_waits_again_and_goes_out_as_it_then_is(
    casey: StartCasey, webhook_receiver: WebhookReceiver
) -> None:
    customer = casey()
    response = customer.answers(2)
    customer.answers(4, after=60)
    customer.waits(QUIET - 1)
    assert webhook_receiver.deliveries == []

    customer.waits(1)

    assert webhook_receiver.verified == [
        {
            "type": "response.created",
            "timestamp": "2026-03-02T09:01:00+00:00",
            "data": data_of(
                response,
                score=4,
                bucket="detractor",
                comment="",
                updated_at="2026-03-02T09:01:00+00:00",
            ),
        }
    ]


def test_a_comment_sends_score_and_comment_together_at_once_and_later_changes_say_what(
    casey: StartCasey, webhook_receiver: WebhookReceiver
) -> None:
    customer = casey()
    response = customer.answers(2)
    customer.answers(2, "Nobody called back", after=20)
    customer.answers(8, "Nobody called back", after=600)
    customer.answers(8, "They called back after all", after=600)
    customer.answers(9, "", after=600)

    first = data_of(response, score=2, bucket="detractor", comment="Nobody called back")
    assert webhook_receiver.verified == [
        {
            "type": "response.created",
            "timestamp": "2026-03-02T09:00:20+00:00",
            "data": first | {"updated_at": "2026-03-02T09:00:20+00:00"},
        },
        {
            "type": "response.updated",
            "timestamp": "2026-03-02T09:10:20+00:00",
            "data": first
            | {
                "score": 8,
                "bucket": "passive",
                "updated_at": "2026-03-02T09:10:20+00:00",
                "changed": {"score": {"from": 2, "to": 8}},
            },
        },
        {
            "type": "response.updated",
            "timestamp": "2026-03-02T09:20:20+00:00",
            "data": first
            | {
                "score": 8,
                "bucket": "passive",
                "comment": "They called back after all",
                "updated_at": "2026-03-02T09:20:20+00:00",
                "changed": {"comment": {"to": "They called back after all"}},
            },
        },
        {
            "type": "response.updated",
            "timestamp": "2026-03-02T09:30:20+00:00",
            "data": first
            | {
                "score": 9,
                "bucket": "promoter",
                "comment": "",
                "updated_at": "2026-03-02T09:30:20+00:00",
                "changed": {"score": {"from": 8, "to": 9}, "comment": {"to": None}},
            },
        },
    ]


def test_a_comment_added_after_the_quiet_time_comes_from_null(
    casey: StartCasey, webhook_receiver: WebhookReceiver
) -> None:
    customer = casey()
    customer.answers(2)
    customer.waits(QUIET)
    customer.answers(4, "Slow", after=300)

    assert [
        (event["type"], event["data"].get("changed")) for event in webhook_receiver.verified
    ] == [
        ("response.created", None),
        (
            "response.updated",
            {"score": {"from": 2, "to": 4}, "comment": {"from": None, "to": "Slow"}},
        ),
    ]


def test_answers_to_the_additional_questions_finish_the_answer_and_later_ones_are_a_change(
    app: Flask,
    clock: FrozenClock,
    make_invitation: MakeInvitation,
    webhook_receiver: WebhookReceiver,
) -> None:
    asked = add_asked(clock)
    listen(webhook_receiver, clock.now)
    invitation, _ = make_invitation(kind="csat")
    response = store_answer(invitation, 5, clock.now)
    run_worker(app, clock.now)
    clock.advance(seconds=30)
    record_answers(
        response, asked_questions(response), [Answer(asked.stars.id, rating=4)], now=clock.now
    )
    run_worker(app, clock.now)
    clock.advance(minutes=5)
    record_answers(
        response, asked_questions(response), [Answer(asked.word.id, text="Quick")], now=clock.now
    )
    run_worker(app, clock.now)

    [created, updated] = webhook_receiver.verified
    assert (created["type"], created["data"]["score"], created["data"]["answers"]) == (
        "response.created",
        5,
        [{"question": asked.stars.id, "rating": 4}],
    )
    assert (updated["type"], updated["data"]["changed"]) == (
        "response.updated",
        {"answers": {"to": [{"question": asked.word.id, "text": "Quick"}]}},
    )


def test_slack_messages_say_what_the_customer_changed(
    casey: StartCasey, webhook_receiver: WebhookReceiver
) -> None:
    customer = casey(format=WebhookFormat.SLACK)
    customer.answers(2)
    customer.waits(QUIET)
    customer.answers(4, "Better <now>", after=300)
    customer.answers(4, "Fine", after=300)
    customer.answers(9, "", after=300)

    assert [event["text"] for event in webhook_receiver.verified] == [
        ":rotating_light: *Detractor*: Casey &lt;customer@example.com&gt; answered 2/10 on NPS",
        ":rotating_light: *Detractor*: Casey &lt;customer@example.com&gt; changed the score"
        " from 2 to 4 and added a comment on NPS\n> Better &lt;now&gt;",
        ":rotating_light: *Detractor*: Casey &lt;customer@example.com&gt; edited their"
        " comment on NPS\n> Fine",
        "*Promoter*: Casey &lt;customer@example.com&gt; changed the score from 4 to 9 and"
        " removed their comment on NPS",
    ]


def test_delighted_receivers_get_survey_response_created_after_the_quiet_time_then_updated(
    casey: StartCasey, webhook_receiver: WebhookReceiver
) -> None:
    customer = casey(format=WebhookFormat.DELIGHTED)
    customer.answers(9)
    assert webhook_receiver.deliveries == []
    customer.waits(QUIET)
    customer.answers(9, "Fast", after=300)

    assert [
        (event["event_type"], event["event_data"]["score"], event["event_data"]["comment"])
        for event in webhook_receiver.verified
    ] == [("survey_response.created", 9, None), ("survey_response.updated", 9, "Fast")]


def test_two_workers_announce_each_answer_once(
    app: Flask,
    clock: FrozenClock,
    make_invitation: MakeInvitation,
    webhook_receiver: WebhookReceiver,
) -> None:
    listen(webhook_receiver, clock.now)
    for number in range(12):
        invitation, _ = make_invitation(kind="nps", email=f"c{number}@example.com")
        store_answer(invitation, number % 11, clock.now, "Thanks" if number < 4 else "")
    db.session.remove()
    assert sum(race(app, lambda _now: settle_answers(limit=3), clock.now)) == 12
    clock.advance(seconds=QUIET)
    assert sum(race(app, lambda now: announce_quiet_answers(now, limit=3), clock.now)) == 8
    assert announce_quiet_answers(clock.now) == 0

    purposes = db.session.scalars(sa.select(OutboxMessage.purpose)).all()
    assert purposes == ["response.created"] * 12
    deliver_outbox(clock.now)
    scores = sorted(event["data"]["score"] for event in webhook_receiver.verified)
    assert scores == sorted(number % 11 for number in range(12))


def test_a_slack_message_names_every_change_in_one_sentence() -> None:
    changed = {
        "score": {"from": 2, "to": 4},
        "comment": {"to": "Fine"},
        "answers": {"to": []},
    }
    assert slack_changes(changed) == (
        "changed the score from 2 to 4, edited their comment and changed their answers to the"
        " questions"
    )
