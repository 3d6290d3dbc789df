"""POST /v1/people: Delighted's way to create a person and schedule their survey, with its
keys sent as Basic credentials and its refusals in Delighted's shape."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation
from feedback_app.services.suppression import customer_for_email, unsubscribe
from surveys.invitations import InvitationStatus, SuppressionReason
from surveys.kinds import SurveyKind
from tests.delighted.delighted_calls import Delighted, basic
from tests.helpers import FrozenClock

#: 2026-03-02T09:00:00Z, the frozen clock's now, in Unix seconds.
NOW = 1772442000


def invitations() -> list[Invitation]:
    return list(db.session.scalars(sa.select(Invitation).order_by(Invitation.id)))


def test_a_person_is_created_and_their_survey_scheduled(delighted: Delighted) -> None:
    answer = delighted.post(
        "people.json",
        {"email": "Jony@Appleseed.com", "name": "Jony", "delay": 60,
         "properties": {"Purchase Experience": "Mobile App", "State": "CA"}},
    )  # fmt: skip
    assert answer.status_code == 200, answer.json
    assert answer.mimetype == "application/json"
    person = db.session.scalar(sa.select(Customer))
    assert person is not None
    assert answer.json == {
        "id": str(person.id),
        "email": "jony@appleseed.com",
        "name": "Jony",
        "created_at": NOW,
        "phone_number": None,
        "last_sent_at": None,
        "last_responded_at": None,
        "next_survey_scheduled_at": NOW + 60,
        "survey_scheduled_at": NOW + 60,
        "properties": {"Purchase Experience": "Mobile App", "State": "CA"},
    }
    [invitation] = invitations()
    assert (invitation.survey.kind, invitation.status) == (
        SurveyKind.NPS,
        InvitationStatus.SCHEDULED,
    )
    assert not person.nps_enrolled


def test_the_same_email_updates_the_person_and_merges_properties(
    delighted: Delighted, clock: FrozenClock
) -> None:
    first = delighted.post("people", {"email": "casey@example.com", "properties": {"a": 1}})
    clock.advance(days=90)
    again = delighted.post(
        "people", {"email": "casey@example.com", "name": "Casey", "properties": {"b": 2}}
    )
    assert again.json["id"] == first.json["id"]
    assert (again.json["name"], again.json["properties"]) == ("Casey", {"a": 1, "b": 2})
    assert again.json["created_at"] == NOW
    assert again.json["survey_scheduled_at"] == NOW + 90 * 86400
    assert [i.status for i in invitations()] == [InvitationStatus.SCHEDULED] * 2


def test_send_false_only_creates_the_person(delighted: Delighted) -> None:
    answer = delighted.post("people", {"email": "casey@example.com", "send": False})
    assert (answer.status_code, answer.json["survey_scheduled_at"]) == (200, None)
    assert invitations() == []


def test_the_locale_property_is_the_persons_language(delighted: Delighted) -> None:
    delighted.post("people", {"email": "casey@example.com", "properties": {"locale": "fr"}})
    assert db.session.scalar(sa.select(Customer.locale)) == "fr"


def test_a_form_body_as_in_delightеds_curl_examples(delighted: Delighted) -> None:
    answer = delighted(
        "POST",
        "people.json",
        data={"email": "casey@example.com", "delay": "120", "send": "false",
              "properties[Plan]": "Pro", "properties[Seats]": "3"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.json
    assert answer.json["properties"] == {"Plan": "Pro", "Seats": "3"}
    assert answer.json["survey_scheduled_at"] is None


@pytest.mark.parametrize("reason", [SuppressionReason.UNSUBSCRIBED, SuppressionReason.THROTTLED])
def test_a_suppressed_survey_is_accepted_and_not_scheduled(
    delighted: Delighted, clock: FrozenClock, reason: SuppressionReason
) -> None:
    if reason is SuppressionReason.UNSUBSCRIBED:
        unsubscribe(customer_for_email("casey@example.com", clock.now), None, "link", clock.now)
        db.session.commit()
    else:
        delighted.post("people", {"email": "casey@example.com"})
    answer = delighted.post("people", {"email": "casey@example.com"})
    assert (answer.status_code, answer.json["survey_scheduled_at"]) == (200, None)
    last = invitations()[-1]
    assert (last.status, last.suppression_reason) == (InvitationStatus.SUPPRESSED, reason)


# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize("colon", [False, True], ids=["python", "ruby-node"])
def test_the_key_is_the_basic_user_name_with_or_without_the_colon(
    client: FlaskClient, make_api_key: Callable[..., str], colon: bool
) -> None:
    headers = basic(make_api_key("ingest"), colon)
    answer = client.post("/v1/people", json={"email": "casey@example.com"}, headers=headers)
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "send your API key as the HTTP Basic user name"),
        (basic("fbk_unknown"), "the API key is not valid"),
        ({"Authorization": "Basic %%%"}, "the Authorization header is not valid Basic credentials"),
        ({"Authorization": "Basic Og=="}, "send your API key as the HTTP Basic user name"),
        ({"Authorization": "Bearer fbk_x"}, "send your API key as the HTTP Basic user name"),
    ],
)
def test_a_missing_or_bad_key_is_a_401_in_delighteds_shape(
    client: FlaskClient, headers: dict[str, str], message: str
) -> None:
    answer = client.post("/v1/people", json={"email": "casey@example.com"}, headers=headers)
    assert (answer.status_code, answer.json) == (401, {"status": 401, "message": message})
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="feedback"'


def test_a_key_without_the_scope_is_a_403(
    client: FlaskClient, make_api_key: Callable[..., str]
) -> None:
    headers = basic(make_api_key("read"))
    answer = client.post("/v1/people", json={"email": "casey@example.com"}, headers=headers)
    assert (answer.status_code, answer.json) == (
        403,
        {"status": 403, "message": "this key lacks the ingest scope"},
    )


# --- bad input -------------------------------------------------------------------------------


EMAIL = "casey@example.com"
NOT_IN_RANGE = "must be between 0 and 2592000"
NUL = "must not contain NUL characters"


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({}, "email", "is required"),
        ({"phone_number": "+14155551212"}, "email", "is required"),
        ({"email": "casey"}, "email",
         "is not a valid email address: An email address must have an @-sign."),
        ({"email": {"nested": [EMAIL]}}, "email", "must be a string"),
        ({"email": EMAIL, "channel": "sms"}, "channel", "must be one of email"),
        ({"email": EMAIL, "delay": "60"}, "delay", "must be a whole number"),
        ({"email": EMAIL, "delay": 1.5}, "delay", "must be a whole number"),
        ({"email": EMAIL, "delay": 10**40}, "delay", NOT_IN_RANGE),
        ({"email": EMAIL, "delay": -1}, "delay", NOT_IN_RANGE),
        ({"email": EMAIL, "send": "no"}, "send", "must be true or false"),
        ({"email": EMAIL, "name": "Ca\x00sey"}, "name", NUL),
        ({"email": EMAIL, "properties": {"a\x00": 1}}, "properties", NUL),
        ({"email": EMAIL, "properties": ["a"]}, "properties", "must be an object"),
        ({"email": EMAIL, "properties": {"locale": "?"}}, "properties",
         "locale must be a language tag such as en, fr or pt-BR"),
    ],
)  # fmt: skip
def test_bad_fields_are_a_422_naming_each(
    delighted: Delighted, body: object, field: str, problem: str
) -> None:
    answer = delighted.post("people", body)
    assert (answer.status_code, answer.json) == (
        422,
        {
            "status": 422,
            "message": "some fields are missing or invalid",
            "errors": {field: [problem]},
        },
    )
    assert invitations() == []


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ({"delay": "٣"}, "delay", "must be a whole number"),
        ({"delay": "²"}, "delay", "must be a whole number"),
        ({"delay": "9" * 5000}, "delay", NOT_IN_RANGE),
        ({"send": "maybe"}, "send", "must be true or false"),
        ({"properties[a]": "x\x00"}, "properties", NUL),
    ],
)
def test_bad_form_fields_are_a_422_naming_each(
    delighted: Delighted, data: dict[str, str], field: str, problem: str
) -> None:
    answer = delighted("POST", "people", data={"email": EMAIL, **data})
    assert (answer.status_code, answer.json["errors"]) == (422, {field: [problem]})


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        ("[" * 100_000, "application/json", "the body is nested more than 200 levels deep"),
        ('{"email": ', "application/json", "the body is not valid JSON"),
        ("[1]", "application/json", "the body must be a JSON object"),
        ("email=casey", "text/plain", "the body must be JSON or a form"),
    ],
)
def test_a_body_that_cannot_be_read_is_a_400(
    delighted: Delighted, data: str, content_type: str, message: str
) -> None:
    answer = delighted("POST", "people", data=data, content_type=content_type)
    assert answer.status_code == 400
    assert answer.json["status"] == 400
    assert answer.json["message"].startswith(message)


def test_an_unknown_path_or_method_answers_in_delighteds_shape(delighted: Delighted) -> None:
    missing = delighted.get("nothing.json")
    assert (missing.status_code, missing.json["status"]) == (404, 404)
    assert delighted("PATCH", "people").json["status"] == 405
    assert json.loads(delighted.get("people/%00").data) == {
        "status": 400,
        "message": "The address contains a NUL character, which nothing here can hold.",
    }


def test_a_body_over_the_limit_is_a_413(delighted: Delighted) -> None:
    body = "{" + " " * (1024 * 1024) + "}"
    answer = delighted("POST", "people", data=body, content_type="application/json")
    assert answer.status_code == 413
    assert answer.json == {
        "status": 413,
        "message": "the request body is larger than the 1048576 bytes accepted",
    }
