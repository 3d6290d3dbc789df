"""The scheduled jobs with a frozen clock: deadlines, invitation reminders, expiry, digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import DigestDelivery, Invitation, Unsubscribe
from feedback_app.services.digest import send_weekly_digests
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.followups import Actor, CaseChange, change_case, process_deadlines
from feedback_app.services.invitation_upkeep import expire_invitations, remind_invitations
from surveys.cases import CaseStatus, Outcome
from surveys.invitations import InvitationStatus
from tests.followups.conftest import Answer, Org
from tests.followups.support import case_of, outbox, timeline

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_owner_is_reminded_once_before_the_deadline_then_admins_get_the_escalation(
    answer: Answer, org: Org, clock: Any
) -> None:
    case = case_of(answer(1))
    done = case_of(answer(2, email="done@example.com"))
    assert case is not None and done is not None
    change_case(done, CaseChange(status=CaseStatus.RESOLVED, outcome=Outcome.EXPLAINED),
                Actor.of(org.manager), clock.now)  # fmt: skip
    db.session.commit()
    clock.advance(hours=36, seconds=-1)
    assert process_deadlines(clock.now) == 0
    clock.advance(seconds=1)
    assert process_deadlines(clock.now) == 1
    assert process_deadlines(clock.now) == 0
    reminders = [m for m in outbox("followup_alert") if m.subject.startswith("Follow-up due")]
    assert [(m.recipient, m.subject) for m in reminders] == [
        ("manager@example.com", f"Follow-up due soon: case #{case.id}")
    ]
    assert case.reminded_at == OPENED + timedelta(hours=36)
    clock.advance(hours=12, seconds=-1)
    assert process_deadlines(clock.now) == 0
    clock.advance(seconds=1)
    assert process_deadlines(clock.now) == 1
    assert process_deadlines(clock.now) == 0
    escalations = [m for m in outbox("followup_alert") if m.subject.startswith("Overdue")]
    assert [(m.recipient, m.subject) for m in escalations] == [
        ("admin@example.com", f"Overdue follow-up: case #{case.id}")
    ]
    assert case.escalated_at == OPENED + timedelta(hours=48)
    assert [(actor, kind) for actor, kind, _, _ in timeline(case)[2:]] == [
        ("system", "reminder"),
        ("system", "escalation"),
    ]


def test_a_worker_back_after_the_deadline_escalates_without_a_late_reminder(
    answer: Answer, clock: Any
) -> None:
    case = case_of(answer(1))
    assert case is not None
    clock.advance(days=5)
    assert process_deadlines(clock.now) == 1
    assert (case.reminded_at, case.escalated_at) == (None, clock.now)
    assert [kind for _, kind, _, _ in timeline(case)[2:]] == ["escalation"]


def sent_invitation(make_invitation: Any, clock: Any, **kwargs: Any) -> Invitation:
    invitation, _ = make_invitation(**kwargs)
    invitation.survey.reminder_days = 3
    db.session.commit()
    dispatch_due_invitations(clock.now)
    assert invitation.status is InvitationStatus.SENT
    return invitation


def test_non_responders_get_one_reminder_after_reminder_days(
    app: Any, make_invitation: Any, clock: Any
) -> None:
    waiting = sent_invitation(make_invitation, clock)
    opted_out = sent_invitation(make_invitation, clock, email="gone@example.com")
    db.session.add(Unsubscribe(customer_id=opted_out.customer_id, kind=None, source="link",
                               created_at=clock.now))  # fmt: skip
    db.session.commit()
    clock.advance(days=3, seconds=-1)
    assert remind_invitations(clock.now) == 0
    clock.advance(seconds=1)
    assert remind_invitations(clock.now) == 1
    assert remind_invitations(clock.now) == 0
    [reminder] = outbox("reminder")
    assert (reminder.recipient, reminder.invitation_id) == ("customer@example.com", waiting.id)
    assert waiting.reminded_at == clock.now
    assert opted_out.reminded_at is None


def test_no_reminder_when_the_survey_has_none_or_the_customer_answered(
    app: Any, make_invitation: Any, clock: Any
) -> None:
    invitation = sent_invitation(make_invitation, clock)
    invitation.survey.reminder_days = None
    db.session.commit()
    clock.advance(days=10)
    assert remind_invitations(clock.now) == 0
    invitation.survey.reminder_days = 3
    invitation.status = InvitationStatus.RESPONDED
    db.session.commit()
    assert remind_invitations(clock.now) == 0
    assert outbox("reminder") == []


def test_unanswered_invitations_expire(app: Any, make_invitation: Any, clock: Any) -> None:
    sent = sent_invitation(make_invitation, clock)
    scheduled, _ = make_invitation(
        email="later@example.com", scheduled_for=clock.now + timedelta(days=1)
    )
    clock.advance(days=30)
    assert expire_invitations(clock.now) == 1
    clock.advance(days=1)
    assert expire_invitations(clock.now) == 1
    assert expire_invitations(clock.now) == 0
    db.session.expire_all()
    assert (sent.status, sent.expired_at) == (InvitationStatus.EXPIRED, OPENED + timedelta(days=30))
    assert scheduled.status is InvitationStatus.EXPIRED


def test_each_manager_gets_the_weekly_digest_once(answer: Answer, org: Org, clock: Any) -> None:
    late = case_of(answer(1))
    on_time = case_of(answer(2, email="b@example.com"))
    assert late is not None and on_time is not None
    change_case(on_time, CaseChange(status=CaseStatus.RESOLVED, outcome=Outcome.FIXED),
                Actor.of(org.manager), clock.now + timedelta(hours=1))  # fmt: skip
    db.session.commit()
    clock.now = datetime(2026, 3, 9, 7, 59, tzinfo=UTC)
    assert send_weekly_digests(clock.now) == 2  # the week of 23 February, empty
    clock.now = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    assert send_weekly_digests(clock.now) == 2
    assert send_weekly_digests(clock.now) == 0
    digests = outbox("digest")
    assert [(m.recipient, m.subject) for m in digests] == [
        ("manager@example.com", "Follow-up digest for the week of 2026-02-23"),
        ("manager2@example.com", "Follow-up digest for the week of 2026-02-23"),
        ("manager@example.com", "Follow-up digest for the week of 2026-03-02"),
        ("manager2@example.com", "Follow-up digest for the week of 2026-03-02"),
    ]
    text = digests[2].payload["text"]
    assert "Cases opened: 2\n" in text
    assert "Cases closed: 1 (1 within the deadline)\n" in text
    assert "Your open cases: 1\n" in text
    assert "Your overdue cases: 1\n" in text
    assert f"- #{late.id} Casey <customer@example.com>, due 2026-03-04: " in text
    assert "Your open cases: 0\n" in digests[3].payload["text"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DigestDelivery)) == 4
