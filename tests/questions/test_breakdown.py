"""The dashboard's scores by answer, read from the rollups, equal counts from the raw answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Invitation, Response
from feedback_app.questions.breakdown import choice_breakdown
from feedback_app.questions.editing import delete_question
from feedback_app.questions.models import ResponseAnswer
from feedback_app.questions.service import asked_questions, record_answers
from feedback_app.services.metrics import Period
from feedback_app.services.rollups import rebuild_rollups, rollup_differences
from feedback_app.services.settling import settle_answers
from surveys.questions import Answer
from tests.helpers import FrozenClock, store_answer
from tests.questions.asked import Asked

MakeInvitation = Callable[..., tuple[Invitation, str]]
PERIOD = Period(date(2026, 2, 1), date(2026, 3, 2))


def answer(
    make_invitation: MakeInvitation, clock: FrozenClock, n: int, score: int, **picked: list[int]
) -> Response:
    invitation, _ = make_invitation("csat", email=f"c{n}@example.com")
    response = store_answer(invitation, score, clock.now)
    answers = [Answer(int(q), choice_ids=tuple(c)) for q, c in picked.items()]
    record_answers(response, asked_questions(response), answers, clock.now)
    return response


def raw_counts(question_id: int) -> dict[int, tuple[int, int, int]]:
    """Per choice, from the answers themselves: (responses, satisfied, unsatisfied)."""
    rows = db.session.execute(
        sa.select(ResponseAnswer.choice_id, Response.score)
        .join(Response, Response.id == ResponseAnswer.response_id)
        .where(ResponseAnswer.question_id == question_id)
    )
    counts: dict[int, list[int]] = {}
    for choice_id, score in rows:
        entry = counts.setdefault(choice_id, [0, 0, 0])
        entry[0] += 1
        entry[1 if score >= 4 else 2] += 1
    return {choice: (n, good, bad) for choice, (n, good, bad) in counts.items()}


def test_csat_by_reason_and_each_reasons_share_of_the_unhappy_match_the_answers(
    asked: Asked, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    reason, topics = str(asked.reason.id), str(asked.topics.id)
    slow = asked.choice(asked.reason, "Too slow")
    unsolved = asked.choice(asked.reason, "Not solved")
    billing = asked.choice(asked.topics, "Billing")
    delivery = asked.choice(asked.topics, "Delivery")
    answer(make_invitation, clock, 1, 1, **{reason: [slow], topics: [billing, delivery]})
    answer(make_invitation, clock, 2, 2, **{reason: [slow], topics: [billing]})
    edited = answer(make_invitation, clock, 3, 2, **{reason: [slow]})
    answer(make_invitation, clock, 4, 5, **{topics: [billing]})
    answer(make_invitation, clock, 5, 4, **{topics: [delivery]})
    settle_answers()
    # An edit after settling moves the counts: a new reason, and a better score.
    record_answers(
        edited, asked_questions(edited), [Answer(asked.reason.id, (unsolved,))], clock.now
    )
    settle_answers()

    by_topic = choice_breakdown(asked.topics, PERIOD)
    by_reason = choice_breakdown(asked.reason, PERIOD)

    raw = raw_counts(asked.topics.id)
    assert raw == {billing: (3, 1, 2), delivery: (2, 1, 1)}
    lines = {line.choice_id: line for line in by_topic.lines}
    assert [line.label for line in by_topic.lines] == ["Billing", "Delivery", "Returns"]
    for choice, (n, good, bad) in raw.items():
        assert lines[choice].figures["csat"].n == n
        assert lines[choice].figures["csat"].value == 100 * good / n
        assert lines[choice].unhappy_share.value == 100 * bad / 3
        assert lines[choice].unhappy_share.n == by_topic.unhappy == 3
    assert lines[asked.choice(asked.topics, "Returns")].figures["csat"].n == 0
    reasons = {line.choice_id: line.figures["csat"].n for line in by_reason.lines}
    assert reasons == {slow: 2, unsolved: 1}
    low, high = lines[billing].figures["csat"].low, lines[billing].figures["csat"].high
    assert low is not None and high is not None and low < 100 / 3 < high
    assert rollup_differences() == []
    rebuild_rollups()
    assert rollup_differences() == []
    assert {
        line.choice_id: line.figures["csat"].n
        for line in choice_breakdown(asked.reason, PERIOD).lines
    } == reasons


def test_the_dashboard_shows_csat_by_reason(
    client: FlaskClient,
    asked: Asked,
    make_invitation: MakeInvitation,
    clock: FrozenClock,
    login: Callable[..., object],
) -> None:
    slow = asked.choice(asked.reason, "Too slow")
    answer(make_invitation, clock, 1, 1, **{str(asked.reason.id): [slow]})
    settle_answers()
    login("manager")

    page = client.get(f"/dashboard?kind=csat&question={asked.reason.id}")
    wrong = client.get("/dashboard?kind=nps&question=999")

    assert page.status_code == 200
    assert "CSAT by answer: What was the main reason?" in page.text
    assert '<th scope="row" class="text" dir="auto">Too slow</th>' in page.text
    assert wrong.status_code == 422
    assert "<li><strong>Question</strong> there is no choice question 999 of a nps survey</li>" in (
        wrong.text
    )


def test_deleting_a_question_takes_its_answers_out_of_the_rollups(
    asked: Asked, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    slow = asked.choice(asked.reason, "Too slow")
    billing = asked.choice(asked.topics, "Billing")
    response = answer(
        make_invitation,
        clock,
        1,
        1,
        **{str(asked.reason.id): [slow], str(asked.topics.id): [billing]},
    )
    settle_answers()

    delete_question(asked.reason)
    record_answers(response, asked_questions(response), [], clock.now)
    settle_answers()

    assert rollup_differences() == []
    assert [line.figures["csat"].n for line in choice_breakdown(asked.topics, PERIOD).lines] == [
        0,
        0,
        0,
    ]
