"""The rest of Delighted's API: adding answers, the NPS metrics, people by cursor, opt-outs,
bounces and deleting a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation, Response, Unsubscribe
from feedback_app.services.suppression import record_bounce
from tests.delighted.delighted_calls import Delighted
from tests.helpers import FrozenClock, store_answer

NOW = 1772442000
HOUR = 3600
MakeInvitation = Callable[..., tuple[Invitation, str]]


def person(delighted: Delighted, email: str, **fields: Any) -> str:
    answer = delighted.post("people", {"email": email, "send": False, **fields})
    assert answer.status_code == 200, answer.json
    return answer.json["id"]


# --- POST /v1/survey_responses --------------------------------------------------------------


def test_an_answer_is_added_for_a_person(delighted: Delighted) -> None:
    ana = person(delighted, "ana@example.com", properties={"plan": "pro"})
    answer = delighted.post(
        "survey_responses.json",
        {"person": ana, "score": 9, "comment": " Great ", "person_properties": {"seats": 3},
         "created_at": NOW - HOUR},
    )  # fmt: skip
    assert answer.status_code == 201, answer.json
    stored = db.session.scalar(sa.select(Response))
    assert stored is not None
    assert answer.json == {
        "id": str(stored.id),
        "person": ana,
        "survey_type": "nps",
        "score": 9,
        "comment": "Great",
        "permalink": "http://feedback.test/dashboard/responses?kind=nps&since=2026-03-02"
        "&until=2026-03-02",
        "created_at": NOW - HOUR,
        "updated_at": NOW - HOUR,
        "person_properties": {"plan": "pro", "seats": 3},
        "notes": [],
        "tags": [],
        "additional_answers": [],
    }
    assert (stored.source, stored.unsettled) == ("api", True)


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"score": 9}, "person", "is required"),
        ({"person": "999", "score": 9}, "person", "no person has this id"),
        ({"person": "٣", "score": 9}, "person", "must be a positive whole number"),
        ({"person": True, "score": 9}, "person", "must be a positive whole number"),
        ({"person": "{id}", "score": 11}, "score", "must be between 0 and 10"),
        ({"person": "{id}", "score": "9"}, "score", "must be a whole number"),
        ({"person": "{id}", "score": 9, "comment": "x" * 5001}, "comment",
         "must be at most 5000 characters"),
        ({"person": "{id}", "score": 9, "created_at": 10**30}, "created_at",
         "must be between 0 and 32503679999"),
    ],
)  # fmt: skip
def test_bad_answers_are_a_422_naming_the_field(
    delighted: Delighted, body: dict[str, Any], field: str, problem: str
) -> None:
    ana = person(delighted, "ana@example.com")
    body = {key: ana if value == "{id}" else value for key, value in body.items()}
    answer = delighted.post("survey_responses", body)
    assert (answer.status_code, answer.json["errors"]) == (422, {field: [problem]})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


# --- GET /v1/metrics ------------------------------------------------------------------------


@pytest.fixture
def scores(make_invitation: MakeInvitation, clock: FrozenClock) -> None:
    """NPS answers an hour apart: 10, 9, 8, 3, 0 (two promoters, a passive, two detractors),
    and a CSAT answer, which NPS leaves out."""
    for number, score in enumerate([10, 9, 8, 3, 0]):
        invitation, _ = make_invitation("nps", f"p{number}@example.com")
        store_answer(invitation, score, clock.now)
        clock.advance(hours=1)
    invitation, _ = make_invitation("csat", "c@example.com")
    store_answer(invitation, 1, clock.now)


def test_metrics_are_the_nps_figures(delighted: Delighted, scores: None) -> None:
    assert delighted.get("metrics.json").json == {
        "nps": 0,
        "promoter_count": 2,
        "promoter_percent": 40,
        "passive_count": 1,
        "passive_percent": 20,
        "detractor_count": 2,
        "detractor_percent": 40,
        "response_count": 5,
    }
    first_three = delighted.get(f"metrics?since={NOW}&until={NOW + 2 * HOUR}").json
    assert (first_three["nps"], first_three["response_count"]) == (67, 3)
    assert first_three["passive_percent"] == 33


def test_metrics_without_answers_are_null(delighted: Delighted) -> None:
    assert delighted.get("metrics").json == {
        "nps": None,
        "promoter_count": 0,
        "promoter_percent": None,
        "passive_count": 0,
        "passive_percent": None,
        "detractor_count": 0,
        "detractor_percent": None,
        "response_count": 0,
    }


@pytest.mark.parametrize(
    ("query", "field"), [("since=%D9%A3", "since"), ("until=1.5", "until"), ("trend=-1", "trend")]
)
def test_bad_metrics_parameters_are_named(delighted: Delighted, query: str, field: str) -> None:
    answer = delighted.get(f"metrics?{query}")
    assert (answer.status_code, list(answer.json["errors"])) == (422, [field])


# --- GET /v1/people -------------------------------------------------------------------------


def test_people_by_cursor_in_the_link_header(delighted: Delighted, clock: FrozenClock) -> None:
    made = []
    for number in range(5):
        made.append(person(delighted, f"p{number}@example.com"))
        clock.advance(minutes=1)
    first = delighted.get("people.json?per_page=2")
    assert [p["id"] for p in first.json] == made[:2]
    link = first.headers["Link"]
    assert link == (f'<http://localhost/v1/people.json?per_page=2&page_info={made[1]}>; rel="next"')
    second = delighted.get(link[1 : link.index(">")].removeprefix("http://localhost/v1/"))
    assert [p["id"] for p in second.json] == made[2:4]
    last = delighted.get(f"people?per_page=2&page_info={made[3]}")
    assert [p["id"] for p in last.json] == made[4:]
    assert "Link" not in last.headers
    assert [p["id"] for p in delighted.get(f"people?since={NOW + 180}").json] == made[3:]
    assert [p["email"] for p in delighted.get("people?email=P1@example.com").json] == [
        "p1@example.com"
    ]
    assert delighted.get("people?email=nobody@example.com").json == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("per_page=101", "per_page"), ("page_info=abc", "page_info"), ("email=%00", "email")],
)
def test_bad_people_parameters_are_named(delighted: Delighted, query: str, field: str) -> None:
    answer = delighted.get(f"people?{query}")
    assert (answer.status_code, list(answer.json["errors"])) == (422, [field])


# --- unsubscribes and bounces ---------------------------------------------------------------


def test_unsubscribe_then_list(delighted: Delighted, clock: FrozenClock) -> None:
    person(delighted, "ana@example.com", name="Ana")
    assert delighted.post("unsubscribes.json", {"person_email": "Ana@example.com"}).json == {
        "ok": True
    }
    clock.advance(hours=1)
    assert delighted.post("unsubscribes", {"person_email": "bo@example.com"}).json == {"ok": True}
    assert delighted.post("unsubscribes", {"person_email": "bo@example.com"}).status_code == 200
    ana, bo = db.session.scalars(sa.select(Unsubscribe.customer_id).order_by(Unsubscribe.id))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unsubscribe)) == 2
    assert delighted.get("unsubscribes").json == [
        {"person_id": str(ana), "email": "ana@example.com", "name": "Ana",
         "unsubscribed_at": NOW},
        {"person_id": str(bo), "email": "bo@example.com", "name": None,
         "unsubscribed_at": NOW + HOUR},
    ]  # fmt: skip
    assert [u["email"] for u in delighted.get("unsubscribes?per_page=1&page=2").json] == [
        "bo@example.com"
    ]
    assert delighted.get("unsubscribes?per_page=1&page=3").json == []
    assert [u["email"] for u in delighted.get(f"unsubscribes?since={NOW + 1}").json] == [
        "bo@example.com"
    ]
    refused = delighted.post("unsubscribes", {"person_email": "not an address"})
    assert (refused.status_code, list(refused.json["errors"])) == (422, ["person_email"])


def test_bounces_are_listed(delighted: Delighted, clock: FrozenClock) -> None:
    record_bounce("ana@example.com", clock.now)
    db.session.commit()
    ana = db.session.scalar(sa.select(Customer.id))
    assert delighted.get("bounces.json").json == [
        {"person_id": str(ana), "email": "ana@example.com", "name": None, "bounced_at": NOW}
    ]
    assert delighted.get("bounces?page=2").json == []


# --- DELETE /v1/people/... ------------------------------------------------------------------


@pytest.mark.parametrize("form", ["id", "email", "escaped"])
def test_a_person_and_their_data_are_deleted(
    delighted: Delighted, make_invitation: MakeInvitation, clock: FrozenClock, form: str
) -> None:
    invitation, _ = make_invitation("nps", "ana@example.com")
    store_answer(invitation, 3, clock.now, "Bad")
    ana = invitation.customer_id
    path = {
        "id": f"people/{ana}",
        "email": "people/email:ana@example.com.json",
        "escaped": "people/email%3Aana%40example.com",
    }[form]
    answer = delighted("DELETE", path, json={})
    assert (answer.status_code, answer.json) == (202, {"ok": True})
    db.session.expire_all()
    assert db.session.get(Customer, ana) is None
    assert [
        (r.score, r.comment, r.customer_id) for r in db.session.scalars(sa.select(Response))
    ] == [(3, "", None)]


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("people/999", 404, {"status": 404, "message": "no person has this identifier"}),
        ("people/phone_number:%2B14155551212", 404,
         {"status": 404, "message": "no person has this identifier"}),
        ("people/email:nobody@example.com", 404,
         {"status": 404, "message": "no person has this identifier"}),
        ("people/" + "9" * 400, 404, {"status": 404, "message": "no person has this identifier"}),
        ("people/email:nobody", 422, {"status": 422, "message": "invalid person", "errors": {
            "identifier": ["An email address must have an @-sign."]}}),
        ("people/name:ana", 422, {"status": 422, "message": "invalid person", "errors": {
            "identifier": ["must be an id, email:ADDRESS or phone_number:NUMBER"]}}),
    ],
)  # fmt: skip
def test_deleting_nobody_says_why(
    delighted: Delighted, path: str, status: int, body: dict[str, Any]
) -> None:
    answer = delighted("DELETE", path, json={})
    assert (answer.status_code, answer.json) == (status, body)


# --- Autopilot ------------------------------------------------------------------------------


def test_autopilot_membership_by_id_and_refusals(delighted: Delighted) -> None:
    ana = person(delighted, "ana@example.com")
    joined = delighted.post("autopilot/email/memberships.json", {"person_id": ana})
    assert joined.status_code == 200, joined.json
    assert joined.json["person"]["id"] == ana
    customer = db.session.get(Customer, int(ana))
    assert customer is not None and customer.nps_enrolled
    listed = delighted.get(f"autopilot/email/memberships?person_id={ana}").json
    assert [m["person"]["id"] for m in listed] == [ana]
    assert delighted.post("autopilot/email/memberships", {}).json["errors"] == {
        "person_email": ["is required, or person_id"]
    }
    assert delighted.post("autopilot/email/memberships", {"person_id": "999"}).json["errors"] == {
        "person_id": ["no such person"]
    }
    gone = delighted("DELETE", "autopilot/email/memberships", json={"person_id": "999"})
    assert (gone.status_code, gone.json["message"]) == (404, "no person has this identifier")
    left = delighted("DELETE", "autopilot/email/memberships.json", json={"person_id": ana})
    assert left.status_code == 202
    db.session.expire_all()
    assert (customer.nps_enrolled, customer.nps_next_at) == (False, None)
    assert delighted.get("autopilot/email/memberships").json == []


def test_a_request_without_a_body_takes_its_fields_from_the_query(delighted: Delighted) -> None:
    """Delighted's Node client sends DELETE's fields in the query string, with a JSON
    content type and no body."""
    delighted.post("autopilot/email/memberships", {"person_email": "ana@example.com"})
    left = delighted(
        "DELETE",
        "autopilot/email/memberships?person_email=ana%40example.com",
        content_type="application/json",
    )
    assert (left.status_code, left.json["person"]["email"]) == (202, "ana@example.com")
    assert delighted.get("autopilot/email/memberships").json == []
    refused = delighted(
        "DELETE", "autopilot/email/memberships?person_id=x", content_type="application/json"
    )
    assert (refused.status_code, refused.json["errors"]) == (
        422,
        {"person_id": ["must be a positive whole number"]},
    )
