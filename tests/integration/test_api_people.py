"""POST /api/v1/people (NPS enrolment, ``send: now``) and the schedule-nps job."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation, Unsubscribe
from feedback_app.services.invitations import find_by_token
from feedback_app.services.nps import schedule_due_nps
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind
from surveys.cadence import first_due
from surveys.invitations import InvitationStatus, SuppressionReason
from tests.helpers import FrozenClock

URL = "/api/v1/people"


@pytest.fixture
def post(client: FlaskClient, api_key: str) -> Callable[..., TestResponse]:
    def do(body: Any, path: str = URL) -> TestResponse:
        return client.post(path, json=body, headers={"Authorization": f"Bearer {api_key}"})

    return do


def customer(email: str = "casey@example.com") -> Customer:
    return db.session.scalar(sa.select(Customer).where(Customer.email == email))


def invitations() -> list[Invitation]:
    return list(db.session.scalars(sa.select(Invitation).order_by(Invitation.id)))


def test_a_key_is_required(client: FlaskClient) -> None:
    assert client.post(URL, json={"email": "casey@example.com"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "email", "is required"),
        ({"name": "Casey"}, "email", "is required"),
        ({"email": "casey"}, "email", "not a valid email address"),
        ({"email": "casey@example.com", "send": "later"}, "send", "must be one of now"),
        ({"email": "casey@example.com", "send": True}, "send", "must be one of now"),
        ({"email": "casey@example.com", "properties": [1]}, "properties", "must be an object"),
        ({"email": "casey@example.com", "locale": "?"}, "locale", "language tag"),
    ],
)
def test_missing_and_bad_fields_are_named(
    post: Callable[..., TestResponse], body: dict, field: str, message: str
) -> None:
    response = post(body)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {field}
    assert message in response.json["errors"][field]


def test_a_body_that_is_not_an_object_is_a_400(post: Callable[..., TestResponse]) -> None:
    assert post(["casey@example.com"]).status_code == 400


def test_enrolment_spreads_the_first_nps_over_the_cadence(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    response = post(
        {"email": "Casey@Example.com", "name": "Casey", "external_id": "c-1", "locale": "fr"}
    )
    assert response.status_code == 202
    stored = customer()
    due = first_due("casey@example.com", 90, clock.now)
    assert clock.now <= due < clock.now + timedelta(days=90)
    assert stored.nps_enrolled
    assert stored.nps_next_at == due
    assert response.json == {
        "customer": {
            "id": stored.id,
            "email": "casey@example.com",
            "name": "Casey",
            "external_id": "c-1",
            "locale": "fr",
            "properties": {},
            "nps_enrolled": True,
            "nps_next_at": due.isoformat().replace("+00:00", "Z"),
            "customer_since": None,
            "churned_at": None,
        },
        "invitation": None,
        "reason": "enrolled",
        "suppressed_invitation_id": None,
        "routing": {
            "survey_id": survey_for_kind(SurveyKind.NPS, clock.now).id,
            "survey_name": "Net Promoter Score",
            "rule_id": None,
            "reason": "no rule matched: the default NPS survey",
        },
    }
    assert invitations() == []


def test_enrolling_again_keeps_the_schedule(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    first = post({"email": "casey@example.com"})
    clock.advance(days=5)
    again = post({"email": "casey@example.com", "name": "Casey"})
    assert again.status_code == 200
    assert again.json["customer"]["nps_next_at"] == first.json["customer"]["nps_next_at"]
    assert again.json["customer"]["name"] == "Casey"


def test_a_big_import_is_spread_evenly_and_deterministically(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    emails = [f"customer{n}@example.com" for n in range(180)]
    for email in emails:
        assert post({"email": email}).status_code == 202
    next_at = {c.email: c.nps_next_at for c in db.session.scalars(sa.select(Customer))}
    assert next_at == {email: first_due(email, 90, clock.now) for email in emails}
    # Nine 10-day slices of the 90-day cadence; about 20 customers fall in each.
    per_slice = Counter((at - clock.now) // timedelta(days=10) for at in next_at.values())
    assert sorted(per_slice) == list(range(9))
    assert all(8 <= count <= 35 for count in per_slice.values()), per_slice
    assert len(set(next_at.values())) == len(emails)


def test_send_now_invites_at_once_and_the_next_nps_is_a_cadence_later(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    response = post({"email": "casey@example.com", "send": "now"})
    assert response.status_code == 202
    (invitation,) = invitations()
    assert response.json["invitation"] == {
        "id": invitation.id,
        "status": "scheduled",
        "survey": "nps",
        "scheduled_for": "2026-03-02T09:00:00Z",
        "expires_at": "2026-04-01T09:00:00Z",
        "survey_url": response.json["invitation"]["survey_url"],
    }
    assert find_by_token(response.json["invitation"]["survey_url"].rsplit("/", 1)[1]) == invitation
    assert response.json["reason"] is None
    assert customer().nps_next_at == clock.now + timedelta(days=90)
    assert invitation.interaction is None


def test_send_now_is_subject_to_fatigue_and_keeps_the_spread_schedule(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post(
        {"external_id": "T-1", "customer": {"email": "casey@example.com"}},
        path="/api/v1/interactions",
    )
    clock.advance(days=2)
    response = post({"email": "casey@example.com", "send": "now"})
    assert response.status_code == 202
    _, suppressed = invitations()
    assert response.json["invitation"] is None
    assert response.json["reason"] == "throttled"
    assert response.json["suppressed_invitation_id"] == suppressed.id
    assert suppressed.survey.kind is SurveyKind.NPS
    assert customer().nps_next_at == first_due("casey@example.com", 90, clock.now)


def test_send_now_twice_is_throttled_by_the_cadence(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post({"email": "casey@example.com", "send": "now"})
    clock.advance(days=89)
    assert post({"email": "casey@example.com", "send": "now"}).json["reason"] == "throttled"
    clock.advance(days=1)
    assert post({"email": "casey@example.com", "send": "now"}).json["reason"] is None


# --- the schedule-nps job -----------------------------------------------------------------


def enrol(clock: FrozenClock, email: str, due_in: timedelta) -> Customer:
    person = Customer(
        email=email,
        name="",
        properties={},
        nps_enrolled=True,
        nps_next_at=clock.now + due_in,
        created_at=clock.now,
        updated_at=clock.now,
    )
    db.session.add(person)
    db.session.commit()
    return person


def test_the_job_invites_due_customers_and_moves_them_a_cadence_on(
    app: Any, clock: FrozenClock
) -> None:
    due = enrol(clock, "due@example.com", timedelta(hours=1))
    later = enrol(clock, "later@example.com", timedelta(days=3))
    assert schedule_due_nps(clock.now) == 0
    clock.advance(hours=1, minutes=5)
    assert schedule_due_nps(clock.now) == 1
    (invitation,) = invitations()
    assert invitation.customer == due
    assert invitation.survey.kind is SurveyKind.NPS
    assert invitation.status is InvitationStatus.SCHEDULED
    # Scheduled for the due time itself, so the next one, a cadence on, is never throttled
    # by the minutes the job ran late.
    assert invitation.scheduled_for == clock.now - timedelta(minutes=5)
    assert due.nps_next_at == invitation.scheduled_for + timedelta(days=90)
    assert later.nps_next_at == clock.now + timedelta(days=3) - timedelta(hours=1, minutes=5)
    assert schedule_due_nps(clock.now) == 0

    clock.advance(days=90, minutes=7)
    assert schedule_due_nps(clock.now) == 2
    statuses = {(i.customer.email, i.status, i.suppression_reason) for i in invitations()}
    assert ("due@example.com", InvitationStatus.SCHEDULED, None) in statuses
    assert len([i for i in invitations() if i.customer == due]) == 2


def test_the_job_records_suppressed_invitations_and_still_moves_on(
    app: Any, clock: FrozenClock
) -> None:
    person = enrol(clock, "gone@example.com", timedelta(0))
    db.session.add(Unsubscribe(customer=person, kind=None, source="link", created_at=clock.now))
    db.session.commit()
    assert schedule_due_nps(clock.now) == 1
    (invitation,) = invitations()
    assert invitation.status is InvitationStatus.SUPPRESSED
    assert invitation.suppression_reason is SuppressionReason.UNSUBSCRIBED
    assert person.nps_next_at == clock.now + timedelta(days=90)


def test_the_job_respects_a_disabled_nps_survey(app: Any, clock: FrozenClock) -> None:
    survey_for_kind(SurveyKind.NPS, clock.now).enabled = False
    enrol(clock, "casey@example.com", timedelta(0))
    schedule_due_nps(clock.now)
    assert [i.suppression_reason for i in invitations()] == [SuppressionReason.SURVEY_DISABLED]


def test_the_job_handles_one_bounded_batch_per_run(app: Any, clock: FrozenClock) -> None:
    for n in range(5):
        enrol(clock, f"c{n}@example.com", timedelta(minutes=-n))
    assert schedule_due_nps(clock.now, batch_size=2) == 2
    # Oldest due first.
    assert [i.customer.email for i in invitations()] == ["c4@example.com", "c3@example.com"]
    assert schedule_due_nps(clock.now, batch_size=2) == 2
    assert schedule_due_nps(clock.now, batch_size=2) == 1
    assert schedule_due_nps(clock.now, batch_size=2) == 0
    assert len(invitations()) == 5


def test_the_job_skips_customers_not_enrolled(app: Any, clock: FrozenClock) -> None:
    enrol(clock, "casey@example.com", timedelta(0)).nps_enrolled = False
    db.session.commit()
    assert schedule_due_nps(clock.now) == 0


def test_a_job_down_for_several_cadences_catches_up_with_one_invitation(
    app: Any, clock: FrozenClock
) -> None:
    person = enrol(clock, "casey@example.com", timedelta(0))
    start = clock.now
    clock.advance(days=200)
    assert schedule_due_nps(clock.now) == 1
    assert len(invitations()) == 1
    assert invitations()[0].scheduled_for == start + timedelta(days=180)
    assert person.nps_next_at == start + timedelta(days=270)


def test_an_enrolment_through_the_api_is_picked_up_by_the_job(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post({"email": "casey@example.com"})
    clock.now = customer().nps_next_at
    assert schedule_due_nps(clock.now) == 1
    assert invitations()[0].customer.email == "casey@example.com"


def test_feedback_run_job_schedule_nps(runner: Any, clock: FrozenClock) -> None:
    enrol(clock, "casey@example.com", timedelta(0))
    result = runner.invoke(args=["run-job", "schedule-nps"])
    assert result.exit_code == 0, result.output
    assert "schedule-nps: 1 handled" in result.output
    assert len(invitations()) == 1
