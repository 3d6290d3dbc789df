"""Delighted's official Python client, unchanged (``delighted`` 4.2.0), against this server
over real HTTP: only its base URL is set, with the trailing slash ``urljoin`` needs."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_app.extensions import db
from feedback_app.models import Invitation
from surveys.invitations import InvitationStatus
from tests.helpers import FrozenClock, Served, store_answer

with warnings.catch_warnings():
    # Its last release warns on import that the service has shut down.
    warnings.simplefilter("ignore", FutureWarning)
    import delighted

NOW = 1772442000


@pytest.fixture
def client(app: Flask, make_api_key: Callable[..., str]) -> Iterator[Any]:
    """The client of a Delighted-style key with every scope, on the app served for real."""
    served = Served(app)
    yield delighted.Client(
        api_key=make_api_key("ingest read admin", name="delighted"),
        api_base_url=f"{served.url}/v1/",
    )
    served.close()


def test_a_person_is_created_and_their_survey_scheduled(client: Any) -> None:
    person = delighted.Person.create(
        email="jony@appleseed.com",
        name="Jony",
        delay=3600,
        properties={"Purchase Experience": "Mobile App"},
        client=client,
    )
    assert isinstance(person, delighted.Person)
    assert (person.email, person.name, person.survey_scheduled_at) == (
        "jony@appleseed.com",
        "Jony",
        NOW + 3600,
    )
    assert person.properties == {"Purchase Experience": "Mobile App"}
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation is not None
    assert invitation.status is InvitationStatus.SCHEDULED
    assert invitation.scheduled_for == datetime.fromtimestamp(NOW + 3600, UTC)


def test_responses_across_pages_and_filters(
    client: Any, make_invitation: Callable[..., Any], clock: FrozenClock
) -> None:
    stored = []
    for number in range(5):
        invitation, _ = make_invitation("nps", f"p{number}@example.com")
        stored.append(store_answer(invitation, 10 - number, clock.now))
        clock.advance(minutes=10)
    pages = [
        delighted.SurveyResponse.all(per_page=2, page=page, client=client) for page in (1, 2, 3, 4)
    ]
    assert [[r.score for r in page] for page in pages] == [[10, 9], [8, 7], [6], []]
    assert all(isinstance(r, delighted.SurveyResponse) for r in pages[0])
    since = datetime.fromtimestamp(NOW + 20 * 60, UTC)
    later = delighted.SurveyResponse.all(since=since, order="desc", client=client)
    assert [r.score for r in later] == [6, 7, 8]
    [expanded] = delighted.SurveyResponse.all(
        person_email="p4@example.com", expand=["person"], client=client
    )
    assert isinstance(expanded.person, delighted.Person)
    assert expanded.person.email == "p4@example.com"


def test_a_bad_key_raises_the_clients_authentication_error(client: Any) -> None:
    stranger = delighted.Client(api_key="fbk_unknown", api_base_url=client.api_base_url)
    with pytest.raises(delighted.errors.AuthenticationError):
        delighted.SurveyResponse.all(client=stranger)


def test_bad_input_raises_the_clients_validation_error(client: Any) -> None:
    with pytest.raises(delighted.errors.ResourceValidationError) as raised:
        delighted.Person.create(name="No email", client=client)
    assert raised.value.response.status_code == 422


def test_people_across_pages_by_the_link_header(client: Any, clock: FrozenClock) -> None:
    for number in range(5):
        delighted.Person.create(email=f"p{number}@example.com", send=False, client=client)
        clock.advance(minutes=1)
    listed = delighted.Person.list(per_page=2, client=client)
    emails = [person.email for person in listed.auto_paging_iter()]
    assert emails == [f"p{number}@example.com" for number in range(5)]
    assert len(delighted.Person.all(per_page=2, client=client)) == 2


def test_answers_added_then_read_in_the_metrics(client: Any) -> None:
    ana = delighted.Person.create(email="ana@example.com", send=False, client=client)
    bo = delighted.Person.create(email="bo@example.com", send=False, client=client)
    added = delighted.SurveyResponse.create(
        person=ana.id, score=10, comment="Lovely", client=client
    )
    delighted.SurveyResponse.create(person=bo.id, score=2, client=client)
    assert (added.person, added.score, added.comment, added.survey_type) == (
        ana.id,
        10,
        "Lovely",
        "nps",
    )
    metrics = delighted.Metrics.retrieve(client=client)
    assert (metrics.nps, metrics.response_count, metrics.promoter_percent) == (0, 2, 50)


def test_unsubscribes_and_bounces(client: Any, clock: FrozenClock) -> None:
    assert delighted.Unsubscribe.create(person_email="ana@example.com", client=client) == {
        "ok": True
    }
    [record] = delighted.Unsubscribe.all(client=client)
    assert (record.email, record.unsubscribed_at) == ("ana@example.com", NOW)
    assert delighted.Bounce.all(client=client) == []


def test_a_person_is_deleted_by_email_or_id(client: Any) -> None:
    ana = delighted.Person.create(email="ana@example.com", send=False, client=client)
    delighted.Person.create(email="bo@example.com", send=False, client=client)
    assert delighted.Person.delete(email="ana@example.com", client=client) == {"ok": True}
    assert delighted.Person.delete(id=int(ana.id) + 1, client=client) == {"ok": True}
    assert delighted.Person.all(client=client) == []
    with pytest.raises(delighted.errors.GeneralAPIError):
        delighted.Person.delete(email="ana@example.com", client=client)


def test_autopilot_memberships(client: Any) -> None:
    settings = delighted.AutopilotConfiguration.retrieve("email", client=client)
    assert (settings.platform_id, settings.active, settings.frequency) == ("email", True, 7776000)
    memberships = delighted.AutopilotMembership.forEmail()
    joined = memberships.create(
        person_email="ana@example.com", properties={"plan": "pro"}, client=client
    )
    assert (joined.person["email"], joined.properties) == ("ana@example.com", {"plan": "pro"})
    memberships.create(person_email="bo@example.com", client=client)
    listed = memberships.list(per_page=1, client=client)
    members = list(listed.auto_paging_iter())
    assert [m.person["email"] for m in members] == ["ana@example.com", "bo@example.com"]
    assert members[0].next_survey_request["survey_scheduled_at"] > NOW
    left = memberships.delete(person_email="ana@example.com", client=client)
    assert left["person"]["email"] == "ana@example.com"
    assert [m.person["email"] for m in memberships.list(client=client).auto_paging_iter()] == [
        "bo@example.com"
    ]


def test_a_response_retrieved_expanded_then_saved(client: Any, clock: FrozenClock) -> None:
    ana = delighted.Person.create(email="ana@example.com", send=False, client=client)
    added = delighted.SurveyResponse.create(person=ana.id, score=6, client=client)
    clock.advance(minutes=5)
    found = delighted.SurveyResponse.retrieve(added.id, expand=["person"], client=client)
    assert isinstance(found.person, delighted.Person)
    assert (found.person.email, found.score) == ("ana@example.com", 6)
    found.score = 9
    found.comment = "Better now"
    saved = found.save(client=client)
    assert isinstance(saved, delighted.SurveyResponse)
    assert (saved.id, saved.person, saved.score, saved.comment, saved.updated_at) == (
        added.id,
        ana.id,
        9,
        "Better now",
        NOW + 300,
    )
    [listed] = delighted.SurveyResponse.all(client=client)
    assert (listed.score, listed.comment) == (9, "Better now")
