"""Cases opened and updated by responses, moved through their lifecycle, with a timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from feedback_app.extensions import db
from feedback_app.models import Survey
from feedback_app.services.followups import (
    Actor,
    CaseChange,
    change_case,
    save_rule,
    write_to_customer,
)
from feedback_app.services.settling import settle_answers
from surveys.cases import CaseStatus, InvalidCaseChange, Outcome
from surveys.followups import FollowUpRule, OwnerPolicy
from tests.followups.conftest import Answer, Org
from tests.followups.support import case_of, outbox, timeline
from tests.helpers import PUBLIC_ADDRESS, TestNames

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_low_score_opens_a_case_for_the_team_manager(answer: Answer, org: Org) -> None:
    response = answer(2, comment="Nobody called me back")
    case = case_of(response)
    assert case is not None
    assert (case.status, case.priority.value, case.owner, case.score, case.bucket.value) == (
        CaseStatus.OPEN,
        "normal",
        org.manager,
        2,
        "unsatisfied",
    )
    assert (case.opened_at, case.due_at, case.remind_at) == (
        OPENED,
        OPENED + timedelta(hours=48),
        OPENED + timedelta(hours=36),
    )
    assert (case.team, case.agent, case.customer.email) == (
        org.team,
        org.agent,
        "customer@example.com",
    )
    assert timeline(case) == [
        ("system", "opened", {"score": 2, "priority": "normal"}, ""),
        ("system", "assigned", {"to": "manager@example.com"}, ""),
    ]
    [alert] = outbox("followup_alert")
    assert alert.recipient == "manager@example.com"
    assert alert.subject == "New follow-up: Casey <customer@example.com> scored 2/5"
    assert f"http://feedback.test/followups/{case.id}" in alert.payload["text"]
    assert "Nobody called me back" in alert.payload["text"]


@pytest.mark.parametrize(
    ("kind", "score", "priority"),
    [("nps", 0, "high"), ("nps", 3, "high"), ("nps", 4, "normal"), ("nps", 6, "normal"),
     ("ces", 3, "normal"), ("csat", 1, "normal")],
)  # fmt: skip
def test_scores_at_the_thresholds_open_cases(
    answer: Answer, kind: str, score: int, priority: str
) -> None:
    case = case_of(answer(score, kind=kind))
    assert case is not None and case.priority.value == priority


@pytest.mark.parametrize(("kind", "score"), [("nps", 7), ("ces", 4), ("csat", 3), ("csat", 5)])
def test_scores_above_the_thresholds_open_none(answer: Answer, kind: str, score: int) -> None:
    assert case_of(answer(score, kind=kind)) is None
    assert outbox() == []


def test_a_raised_score_marks_the_case_and_a_lowered_one_unmarks_it(
    answer: Answer, clock: Any
) -> None:
    from feedback_app.services.responses import lock_invitation, record_response
    from surveys.answers import ResponseSource

    response = answer(1)
    case = case_of(response)
    assert case is not None
    invitation = response.invitation
    clock.advance(hours=1)
    record_response(response.survey, 4, None, clock.now, source=ResponseSource.PAGE,
                    invitation=lock_invitation(invitation))  # fmt: skip
    assert case.score == 1
    assert settle_answers() == 1
    assert case_of(response) is case
    assert (case.score, case.bucket.value, case.opening_score) == (4, "satisfied", 1)
    assert case.score_raised_at == OPENED + timedelta(hours=1)
    assert case.status is CaseStatus.OPEN
    clock.advance(hours=1)
    record_response(response.survey, 2, None, clock.now, source=ResponseSource.PAGE,
                    invitation=lock_invitation(invitation))  # fmt: skip
    settle_answers()
    assert (case.score, case.score_raised_at) == (2, None)
    assert [event[1:3] for event in timeline(case)[2:]] == [
        ("score", {"from": 1, "to": 4, "above_threshold": True}),
        ("score", {"from": 4, "to": 2, "above_threshold": False}),
    ]
    assert {e[0] for e in timeline(case)[2:]} == {"customer"}


def test_round_robin_takes_managers_in_turn(answer: Answer, org: Org, clock: Any) -> None:
    survey = db.session.scalar(db.select(Survey).where(Survey.kind == "csat"))
    answer(5)  # makes the survey
    survey = db.session.scalar(db.select(Survey).where(Survey.kind == "csat"))
    save_rule(survey, FollowUpRule(open_max=2, owner_policy=OwnerPolicy.ROUND_ROBIN), clock.now)
    db.session.commit()
    owners = [case_of(answer(1, email=f"c{i}@example.com")).owner for i in range(3)]  # type: ignore[union-attr]
    assert owners == [org.manager, org.other_manager, org.manager]


def test_an_unassigned_rule_alerts_nobody(answer: Answer, clock: Any) -> None:
    answer(5)
    survey = db.session.scalar(db.select(Survey).where(Survey.kind == "csat"))
    save_rule(survey, FollowUpRule(open_max=3, owner_policy=OwnerPolicy.UNASSIGNED), clock.now)
    db.session.commit()
    case = case_of(answer(3))
    assert case is not None and case.owner is None
    assert outbox("followup_alert") == []


def test_lifecycle_records_contact_resolution_and_deadline(
    answer: Answer, org: Org, clock: Any
) -> None:
    case = case_of(answer(1))
    assert case is not None
    me = Actor.of(org.manager)
    clock.advance(hours=2)
    assert change_case(case, CaseChange(status=CaseStatus.IN_PROGRESS), me, clock.now)
    assert case.first_contact_at is None
    clock.advance(hours=3)
    change_case(case, CaseChange(status=CaseStatus.WAITING_ON_CUSTOMER, note="Left a voicemail"),
                me, clock.now)  # fmt: skip
    assert case.first_contact_at == OPENED + timedelta(hours=5)
    with pytest.raises(InvalidCaseChange, match="needs an outcome") as error:
        change_case(case, CaseChange(status=CaseStatus.RESOLVED), me, clock.now)
    assert error.value.field == "outcome"
    clock.advance(hours=20)
    change_case(case, CaseChange(status=CaseStatus.RESOLVED, outcome=Outcome.FIXED), me, clock.now)
    assert (case.status, case.outcome, case.closed_at, case.within_deadline) == (
        CaseStatus.RESOLVED,
        Outcome.FIXED,
        OPENED + timedelta(hours=25),
        True,
    )
    clock.advance(days=3)
    change_case(case, CaseChange(status=CaseStatus.IN_PROGRESS), me, clock.now)
    assert (case.outcome, case.closed_at, case.within_deadline) == (None, None, None)
    clock.advance(hours=1)
    change_case(case, CaseChange(status=CaseStatus.CLOSED_WITHOUT_ACTION,
                                 outcome=Outcome.UNREACHABLE), me, clock.now)  # fmt: skip
    assert case.within_deadline is False
    db.session.commit()
    assert [(actor, kind, data, body) for actor, kind, data, body in timeline(case)[2:]] == [
        ("manager@example.com", "status", {"from": "open", "to": "in_progress"}, ""),
        ("manager@example.com", "status",
         {"from": "in_progress", "to": "waiting_on_customer"}, ""),
        ("manager@example.com", "note", {}, "Left a voicemail"),
        ("manager@example.com", "status", {"from": "waiting_on_customer", "to": "resolved"}, ""),
        ("manager@example.com", "outcome", {"from": None, "to": "fixed"}, ""),
        ("manager@example.com", "status", {"from": "resolved", "to": "in_progress"}, ""),
        ("manager@example.com", "status",
         {"from": "in_progress", "to": "closed_without_action"}, ""),
        ("manager@example.com", "outcome", {"from": None, "to": "unreachable"}, ""),
    ]  # fmt: skip
    assert [e.at for e in case.events][-1] == OPENED + timedelta(hours=25, days=3, minutes=60)


def test_reassigning_tells_the_new_owner_and_bad_owners_are_refused(
    answer: Answer, org: Org, clock: Any
) -> None:
    case = case_of(answer(1))
    assert case is not None
    me = Actor.of(org.manager)
    change_case(case, CaseChange(owner_id=org.other_manager.id), me, clock.now)
    assert case.owner == org.other_manager
    assert [m.recipient for m in outbox("followup_alert")] == [
        "manager@example.com",
        "manager2@example.com",
    ]
    with pytest.raises(InvalidCaseChange, match="active manager or admin"):
        change_case(case, CaseChange(owner_id=org.agent_user.id), me, clock.now)
    change_case(case, CaseChange(unassign=True), me, clock.now)
    assert case.owner is None
    assert timeline(case)[-2:] == [
        ("manager@example.com", "assigned",
         {"from": "manager@example.com", "to": "manager2@example.com"}, ""),
        ("manager@example.com", "assigned", {"from": "manager2@example.com", "to": None}, ""),
    ]  # fmt: skip


def test_writing_to_the_customer_queues_an_email_with_the_owner_as_reply_to(
    answer: Answer, org: Org, clock: Any
) -> None:
    case = case_of(answer(1))
    assert case is not None
    clock.advance(hours=4)
    write_to_customer(case, org.manager, "About your ticket", "Sorry!\nWe fixed it.", clock.now)
    db.session.commit()
    [reply] = outbox("reply")
    assert (
        reply.recipient,
        reply.subject,
        reply.payload["reply_to"],
        reply.payload["reply_to_name"],
    ) == ("customer@example.com", "About your ticket", "manager@example.com", "Manager")
    assert reply.payload["text"].startswith("Sorry!\nWe fixed it.\n")
    assert case.first_contact_at == OPENED + timedelta(hours=4)
    assert timeline(case)[-1] == (
        "manager@example.com",
        "message",
        {"subject": "About your ticket"},
        "Sorry!\nWe fixed it.",
    )
    with pytest.raises(InvalidCaseChange, match="subject is required"):
        write_to_customer(case, org.manager, " ", "text", clock.now)


def test_webhooks_fire_when_a_case_is_opened_and_changed(
    answer: Answer, org: Org, clock: Any, dns: TestNames
) -> None:
    import json

    from feedback_app.services.webhooks import create_endpoint

    dns.answer("crm.example", [PUBLIC_ADDRESS])
    create_endpoint("https://crm.example/hook", ["followup.created", "followup.updated"], clock.now)
    db.session.commit()
    case = case_of(answer(1, comment="Slow"))
    assert case is not None
    clock.advance(minutes=5)
    change_case(case, CaseChange(status=CaseStatus.IN_PROGRESS), Actor.of(org.manager), clock.now)
    db.session.commit()
    hooks = [m for m in outbox() if m.purpose.startswith("followup.")]
    assert [(m.purpose, m.recipient) for m in hooks] == [
        ("followup.created", "https://crm.example/hook"),
        ("followup.updated", "https://crm.example/hook"),
    ]
    created, updated = (json.loads(m.payload["body"]) for m in hooks)
    assert created["type"] == "followup.created"
    assert {
        k: created["data"][k] for k in ("id", "status", "score", "comment", "owner", "url")
    } == {
        "id": case.id,
        "status": "open",
        "score": 1,
        "comment": "Slow",
        "owner": {"id": org.manager.id, "email": "manager@example.com", "name": "Manager"},
        "url": f"http://feedback.test/followups/{case.id}",
    }
    assert (updated["data"]["status"], updated["data"]["updated_at"]) == (
        "in_progress",
        "2026-03-02T09:05:00Z",
    )
