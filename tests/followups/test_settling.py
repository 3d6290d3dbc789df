"""Answers wait unsettled until the worker settles them: cases, webhooks and rollups, in batches."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Invitation, Response, ScoreRollup, Survey
from feedback_app.services import settling
from feedback_app.services.followups import save_rule
from feedback_app.services.responses import record_response
from feedback_app.services.rollups import rebuild_rollups, rollup_differences
from feedback_app.services.settling import backlog, settle_answers
from feedback_app.services.webhooks import create_endpoint
from surveys.answers import ResponseSource
from surveys.followups import FollowUpRule, OwnerPolicy
from tests.followups.conftest import Org
from tests.followups.support import case_of, outbox, timeline
from tests.helpers import PUBLIC_ADDRESS, FrozenClock, TestNames, store_answer

MakeInvitation = Callable[..., tuple[Invitation, str]]


def counts() -> dict[int, int]:
    """The ``all`` rollup row's counts by score, for the day of the tests' clock."""
    row = db.session.scalar(sa.select(ScoreRollup).where(ScoreRollup.dimension == "all"))
    if row is None:
        return {}
    return {score: n for score in range(11) if (n := getattr(row, f"s{score}"))}


def response_events() -> list[tuple[str, int]]:
    return [
        (message.purpose, json.loads(message.payload["body"])["data"]["score"])
        for message in outbox()
        if message.purpose.startswith("response.")
    ]


def test_answers_wait_until_one_batch_settles_them_all(
    make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    responses = [
        store_answer(make_invitation("csat", email=f"c{score}@example.com")[0], score, clock.now)
        for score in (1, 5, 2)
    ]
    assert [(r.unsettled, r.counted_score) for r in responses] == [(True, None)] * 3
    assert db.session.scalars(sa.select(FollowUpCase)).all() == []
    assert counts() == {}
    assert backlog() == (3, clock.now)
    # Answers not yet settled are not missing from the rollups: nothing is counted for them.
    assert rollup_differences() == []

    assert settle_answers() == 3
    db.session.expire_all()
    assert [(r.unsettled, r.counted_score) for r in responses] == [
        (False, 1),
        (False, 5),
        (False, 2),
    ]
    assert [case.response_id for case in db.session.scalars(sa.select(FollowUpCase))] == [
        responses[0].id,
        responses[2].id,
    ]
    assert counts() == {1: 1, 2: 1, 5: 1}
    assert rollup_differences() == []
    assert backlog() == (0, None)
    assert settle_answers() == 0


def test_a_case_settled_late_is_dated_at_the_answer(
    make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    answered_at = clock.now
    response = store_answer(make_invitation("nps")[0], 2, clock.now, "It broke again")
    clock.advance(hours=5)
    assert backlog() == (1, answered_at)
    settle_answers()
    case = case_of(response)
    assert case is not None
    assert (case.opened_at, case.due_at) == (answered_at, answered_at + timedelta(hours=48))
    assert timeline(case)[0] == ("system", "opened", {"score": 2, "priority": "high"}, "")
    assert case.events[0].at == answered_at


def test_an_answer_changed_before_it_is_settled_counts_once_with_its_last_score(
    make_invitation: MakeInvitation, clock: FrozenClock, dns: TestNames
) -> None:
    dns.answer("crm.example", [PUBLIC_ADDRESS])
    create_endpoint("https://crm.example/hook", ["response.created", "response.updated"], clock.now)
    db.session.commit()
    invitation, _ = make_invitation("nps")
    response = store_answer(invitation, 3, clock.now)
    clock.advance(minutes=1)
    store_answer(invitation, 9, clock.now)
    assert settle_answers() == 1
    # Settled as it stands: created once with 9, which opens no case.
    assert response_events() == [("response.created", 9)]
    assert case_of(response) is None
    assert counts() == {9: 1}

    clock.advance(minutes=1)
    store_answer(invitation, 4, clock.now)
    store_answer(invitation, 2, clock.now)
    assert counts() == {9: 1}
    assert rollup_differences() == []
    assert settle_answers() == 1
    assert response_events() == [("response.created", 9), ("response.updated", 2)]
    case = case_of(response)
    assert case is not None and (case.score, case.opening_score) == (2, 2)
    assert counts() == {2: 1}
    assert rollup_differences() == []


def test_a_batch_takes_the_oldest_answers_up_to_its_limit(
    make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    responses = [
        store_answer(make_invitation("ces", email=f"c{n}@example.com")[0], 6, clock.now)
        for n in range(3)
    ]
    assert settle_answers(limit=2) == 2
    db.session.expire_all()
    assert [r.unsettled for r in responses] == [False, False, True]
    assert settle_answers(limit=2) == 1
    assert counts() == {6: 3}


def test_round_robin_takes_turns_within_one_batch(
    make_invitation: MakeInvitation, org: Org, clock: FrozenClock
) -> None:
    invitations = [make_invitation("csat", email=f"c{n}@example.com")[0] for n in range(3)]
    survey = db.session.scalar(sa.select(Survey).where(Survey.kind == "csat"))
    save_rule(survey, FollowUpRule(open_max=2, owner_policy=OwnerPolicy.ROUND_ROBIN), clock.now)
    db.session.commit()
    responses = [store_answer(invitation, 1, clock.now) for invitation in invitations]
    assert settle_answers() == 3
    owners = [case_of(response).owner for response in responses]  # type: ignore[union-attr]
    assert owners == [org.manager, org.other_manager, org.manager]
    alerts = [message.recipient for message in outbox("followup_alert")]
    assert alerts == ["manager@example.com", "manager2@example.com", "manager@example.com"]


def test_a_rebuild_leaves_the_unsettled_answers_to_the_worker(
    make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    invitation, _ = make_invitation("csat")
    store_answer(invitation, 3, clock.now)
    settle_answers()
    store_answer(invitation, 5, clock.now)
    new = store_answer(make_invitation("csat", email="new@example.com")[0], 4, clock.now)
    assert rebuild_rollups() == 4
    db.session.commit()
    assert counts() == {3: 1}
    assert rollup_differences() == []
    assert settle_answers() == 2
    assert counts() == {4: 1, 5: 1}
    assert rollup_differences() == []
    assert new.counted_score == 4


def test_answers_from_before_the_upgrade_are_settled_with_their_score(
    make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    """Migration 0801 counts existing answers as settled, so a later edit moves their count."""
    invitation, _ = make_invitation("nps")
    invitation_id = invitation.id
    store_answer(invitation, 6, clock.now)
    settle_answers()
    db.session.remove()
    downgrade(revision="0701")
    try:
        assert "counted_score" not in {
            column["name"] for column in sa.inspect(db.engine).get_columns("responses")
        }
    finally:
        upgrade()
    response = db.session.scalars(sa.select(Response)).one()
    assert (response.unsettled, response.counted_score) == (False, 6)
    # Rebuilding the table (SQLite's batch migration) kept the rows that reference it.
    assert db.session.scalars(sa.select(FollowUpCase.score)).all() == [6]
    clock.advance(minutes=5)
    store_answer(db.session.get(Invitation, invitation_id), 9, clock.now)  # type: ignore[arg-type]
    assert settle_answers() == 1
    assert counts() == {9: 1}
    assert rollup_differences() == []
    assert db.session.scalars(sa.select(FollowUpCase.score)).all() == [9]


def test_an_answer_that_cannot_be_settled_holds_back_no_other(
    make_invitation: MakeInvitation,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    responses = [
        store_answer(make_invitation("csat", email=f"c{n}@example.com")[0], score, clock.now)
        for n, score in enumerate((1, 2, 1))
    ]
    broken = responses[1].id
    sync_case = settling.sync_case

    def failing(response: Response, at: Any, *, created: bool) -> Any:
        if response.id == broken:
            raise ValueError("no owner can be chosen")
        return sync_case(response, at, created=created)

    monkeypatch.setattr(settling, "sync_case", failing)
    assert settle_answers() == 2
    db.session.expire_all()
    assert [r.unsettled for r in responses] == [False, True, False]
    assert [case.response_id for case in db.session.scalars(sa.select(FollowUpCase))] == [
        responses[0].id,
        responses[2].id,
    ]
    assert counts() == {1: 2}
    assert rollup_differences() == []
    assert f"answer {broken} could not be settled; it stays unsettled" in caplog.text
    assert "no owner can be chosen" in caplog.text
    assert backlog() == (1, clock.now)

    monkeypatch.setattr(settling, "sync_case", sync_case)
    assert settle_answers() == 1
    assert len(db.session.scalars(sa.select(FollowUpCase)).all()) == 3
    assert counts() == {1: 2, 2: 1}
    assert rollup_differences() == []


def anonymous_answer(survey: Survey, score: int, now: Any) -> Response:
    """An answer to the embedded survey from nobody known, stored as the widget stores it."""
    return record_response(survey, score, "", now, source=ResponseSource.EMBED)


def test_an_anonymous_low_answer_opens_no_case_unless_the_survey_asks_for_it(
    make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    survey = make_invitation("csat")[0].survey
    quiet = anonymous_answer(survey, 1, clock.now)
    signed = record_response(
        survey, 1, "", clock.now, source=ResponseSource.EMBED, customer=make_invitation(
            "csat", email="known@example.com")[0].customer,
    )  # fmt: skip

    assert settle_answers() == 2
    assert (case_of(quiet), case_of(signed) is not None) == (None, True)
    assert counts() == {1: 2}

    save_rule(survey, FollowUpRule(open_max=2, anonymous_cases=True), clock.now)
    asked = anonymous_answer(survey, 2, clock.now)
    settle_answers()
    case = case_of(asked)
    assert case is not None
    assert (case.customer_id, case.score) == (None, 2)
