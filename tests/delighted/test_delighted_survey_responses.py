"""GET /v1/survey_responses: Delighted's listing, paged by number, filtered by Unix times,
people and trends, ordered and expanded as its clients ask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from feedback_app.comment_review.service import review_response
from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Invitation, Response, ReviewTag, User
from feedback_app.services.followups import Actor, CaseChange, change_case
from feedback_app.services.settling import settle_answers
from tests.delighted.delighted_calls import Delighted
from tests.helpers import FrozenClock, store_answer

NOW = 1772442000
MakeInvitation = Callable[..., tuple[Invitation, str]]


@pytest.fixture
def answers(make_invitation: MakeInvitation, clock: FrozenClock) -> list[Response]:
    """Three NPS answers an hour apart: Ana 10 (first), Bo 3 with a comment, Ana 8."""
    stored = []
    for email, score, comment in [
        ("ana@example.com", 10, ""),
        ("bo@example.com", 3, "Too slow"),
        ("ana@example.com", 8, ""),
    ]:
        invitation, _ = make_invitation("nps", email)
        stored.append(store_answer(invitation, score, clock.now, comment))
        clock.advance(hours=1)
    return stored


def ids(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.json
    return [item["id"] for item in answer.json]


def test_a_response_in_delighteds_fields(delighted: Delighted, answers: list[Response]) -> None:
    bo = answers[1]
    [item] = delighted.get("survey_responses.json?per_page=1&page=2").json
    assert item == {
        "id": str(bo.id),
        "person": str(bo.customer_id),
        "survey_type": "nps",
        "score": 3,
        "comment": "Too slow",
        "permalink": "http://feedback.test/dashboard/responses?kind=nps&since=2026-03-02"
        "&until=2026-03-02",
        "created_at": NOW + 3600,
        "updated_at": NOW + 3600,
        "person_properties": {},
        "notes": [],
        "tags": [],
        "additional_answers": [],
    }


def test_pages_by_number_end_with_an_empty_one(
    delighted: Delighted, answers: list[Response]
) -> None:
    every = [str(response.id) for response in answers]
    assert ids(delighted.get("survey_responses?per_page=2")) == every[:2]
    assert ids(delighted.get("survey_responses?per_page=2&page=2")) == every[2:]
    assert ids(delighted.get("survey_responses?per_page=2&page=3")) == []
    assert ids(delighted.get("survey_responses")) == every


def test_order_by_creation_or_by_change(
    delighted: Delighted, answers: list[Response], clock: FrozenClock
) -> None:
    first, second, third = (str(response.id) for response in answers)
    store_answer(answers[0].invitation, 9, clock.now)  # type: ignore[arg-type]
    assert ids(delighted.get("survey_responses?order=desc")) == [third, second, first]
    assert ids(delighted.get("survey_responses?order=asc:updated_at")) == [second, third, first]
    assert ids(delighted.get("survey_responses?order=desc:updated_at")) == [first, third, second]


def test_filters_by_time_person_and_trend(
    delighted: Delighted, answers: list[Response], clock: FrozenClock
) -> None:
    first, second, third = (str(response.id) for response in answers)
    hour = 3600
    assert ids(delighted.get(f"survey_responses?since={NOW + hour}")) == [second, third]
    assert ids(delighted.get(f"survey_responses?until={NOW + hour}")) == [first, second]
    assert ids(delighted.get("survey_responses?person_email=ANA@example.com")) == [first, third]
    person = answers[1].customer_id
    assert ids(delighted.get(f"survey_responses?person_id={person}")) == [second]
    assert ids(delighted.get(f"survey_responses?trend={answers[0].survey_id}")) == [
        first,
        second,
        third,
    ]
    assert ids(delighted.get(f"survey_responses?trend={answers[0].survey_id + 1}")) == []
    store_answer(answers[0].invitation, 9, clock.now)  # type: ignore[arg-type]
    since = NOW + 3 * hour
    assert ids(delighted.get(f"survey_responses?updated_since={since}")) == [first]
    assert ids(delighted.get(f"survey_responses?updated_until={since - 1}")) == [second, third]


def test_expanded_people_notes_and_tags(
    delighted: Delighted,
    answers: list[Response],
    clock: FrozenClock,
    make_user: Callable[..., User],
    shared_tags: dict[str, ReviewTag],
) -> None:
    settle_answers()
    case = db.session.scalar(sa.select(FollowUpCase))
    assert case is not None and case.response_id == answers[1].id
    manager = make_user("manager@example.com", "manager")
    change_case(case, CaseChange(note="Called back"), Actor.of(manager), clock.now)
    review_response(
        answers[1],
        manager,
        acknowledged=True,
        tags={shared_tags["Product"], shared_tags["Billing"]},
        now=clock.now,
    )
    db.session.commit()
    bo = delighted.get(
        "survey_responses?person_email=bo@example.com&expand[]=person&expand[]=notes"
    )
    [item] = bo.json
    assert item["person"] == {
        "id": str(answers[1].customer_id),
        "email": "bo@example.com",
        "name": "Casey",
        "created_at": NOW + 3600,
        "phone_number": None,
        "last_sent_at": None,
        "last_responded_at": NOW + 3600,
        "next_survey_scheduled_at": None,
    }
    note_id = item["notes"][0]["id"]
    assert item["notes"] == [
        {"id": note_id, "text": "Called back", "user_email": "manager@example.com",
         "created_at": NOW + 3 * 3600}
    ]  # fmt: skip
    assert item["tags"] == ["Product", "Billing"]
    # The Python client collapses a list to its last value: expand[]=notes alone.
    [only_notes] = delighted.get("survey_responses?person_email=bo@example.com&expand[]=notes").json
    assert (only_notes["person"], len(only_notes["notes"])) == (str(answers[1].customer_id), 1)
    [comma] = delighted.get("survey_responses?person_email=bo@example.com&expand=person").json
    assert comma["person"]["email"] == "bo@example.com"


def test_unknown_parameters_and_a_get_body_are_ignored(
    delighted: Delighted, answers: list[Response]
) -> None:
    answer = delighted(
        "GET",
        "survey_responses?auto_handle_rate_limits=True&colour[]=red&a[b][c]=1",
        data="{}",
        content_type="application/json",
    )
    assert len(ids(answer)) == 3


@pytest.mark.parametrize(
    ("query", "field", "problem"),
    [
        ("per_page=101", "per_page", "must be between 1 and 100"),
        ("per_page=0", "per_page", "must be a positive whole number"),
        ("per_page=٣", "per_page", "must be a positive whole number"),
        ("page=" + "9" * 400, "page", "must be between 1 and 100000"),
        ("since=yesterday", "since", "must be a whole number"),
        ("since=-1", "since", "must be a whole number"),
        ("until=99999999999", "until", "must be between 0 and 32503679999"),
        ("since=1%00", "since", "must be a whole number"),
        ("person_email=%00", "person_email", "must not contain NUL characters"),
        ("trend=0", "trend", "must be a positive whole number"),
        ("order=newest", "order", "must be one of asc, desc, asc:updated_at, desc:updated_at"),
        ("expand[]=everything", "expand", "must be one or more of person, notes"),
        ("expand[x]=person", "expand", "must be a list of person, notes"),
    ],
)
def test_bad_parameters_are_a_422_naming_each(
    delighted: Delighted, query: str, field: str, problem: str
) -> None:
    answer = delighted.get(f"survey_responses?{query}")
    assert (answer.status_code, answer.json) == (
        422,
        {"status": 422, "message": "invalid parameters", "errors": {field: [problem]}},
    )


def test_listing_needs_the_read_scope(
    delighted: Delighted, make_api_key: Callable[..., str]
) -> None:
    ingest_only = Delighted(delighted.client, make_api_key("ingest", name="writer"))
    assert ingest_only.get("survey_responses").status_code == 403
