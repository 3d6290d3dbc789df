"""GET and PUT /v1/survey_responses/{id}: one answer read, and changed as Delighted let
scripts change it (the whole object sent back, the person as an id or expanded)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation, OutboxMessage, Response, WebhookEndpoint
from feedback_app.services.settling import settle_answers
from tests.delighted.delighted_calls import Delighted
from tests.helpers import FrozenClock, store_answer

NOW = 1772442000
MakeInvitation = Callable[..., tuple[Invitation, str]]


@pytest.fixture
def answer(make_invitation: MakeInvitation, clock: FrozenClock) -> Response:
    """Ana's NPS 6 with a comment, settled as the worker would."""
    invitation, _ = make_invitation("nps", "ana@example.com")
    response = store_answer(invitation, 6, clock.now, "Fine")
    settle_answers()
    return response


def test_one_response_read_by_id_with_or_without_its_person(
    delighted: Delighted, answer: Response
) -> None:
    plain = delighted.get(f"survey_responses/{answer.id}")
    assert plain.status_code == 200
    assert (plain.json["id"], plain.json["person"], plain.json["score"]) == (
        str(answer.id),
        str(answer.customer_id),
        6,
    )
    expanded = delighted.get(f"survey_responses/{answer.id}.json?expand[]=person")
    assert expanded.json["person"]["email"] == "ana@example.com"
    missing = delighted.get(f"survey_responses/{answer.id + 1}")
    assert (missing.status_code, missing.json) == (
        404,
        {"status": 404, "message": "no survey response has this id"},
    )
    # An id past the column's range matches no route: still the API's 404, whatever the query
    # holds (a NUL here is the API's to refuse, and nothing reads it).
    beyond = delighted.get("survey_responses/19441456601?expand=person%00")
    assert (beyond.status_code, beyond.json["status"]) == (404, 404)


def test_the_whole_object_sent_back_changes_score_and_comment(
    delighted: Delighted, answer: Response, clock: FrozenClock
) -> None:
    sent = delighted.get(f"survey_responses/{answer.id}?expand[]=person").json
    clock.advance(days=400)  # long past the customer's edit window
    changed = delighted("PUT", f"survey_responses/{answer.id}", json={
        **sent, "score": 9, "comment": "Great after all"
    })  # fmt: skip
    assert changed.status_code == 200, changed.json
    assert {k: changed.json[k] for k in ("id", "person", "score", "comment", "updated_at")} == {
        "id": str(answer.id),
        "person": str(answer.customer_id),
        "score": 9,
        "comment": "Great after all",
        "updated_at": NOW + 400 * 86400,
    }
    stored = db.session.get(Response, answer.id)
    assert stored is not None
    assert (stored.score, stored.bucket, stored.comment, stored.created_at.timestamp()) == (
        9,
        "promoter",
        "Great after all",
        NOW,
    )
    assert stored.unsettled is True


def test_a_change_is_settled_and_sent_as_response_updated(
    delighted: Delighted, answer: Response, clock: FrozenClock
) -> None:
    db.session.add(
        WebhookEndpoint(url="https://hooks.example/in", events=["response.updated"],
                        format="standard", secret="whsec_" + "A" * 44, created_at=clock.now)
    )  # fmt: skip
    db.session.commit()
    clock.advance(minutes=5)
    delighted("PUT", f"survey_responses/{answer.id}", json={"comment": "Fine, and fast"})
    assert settle_answers() == 1
    [queued] = db.session.scalars(sa.select(OutboxMessage)).all()
    assert (queued.purpose, '"comment":"Fine, and fast"' in queued.payload["body"]) == (
        "response.updated",
        True,
    )


def test_an_unchanged_object_writes_nothing(delighted: Delighted, answer: Response) -> None:
    sent = delighted.get(f"survey_responses/{answer.id}").json
    assert delighted("PUT", f"survey_responses/{answer.id}", json=sent).json == sent
    stored = db.session.get(Response, answer.id)
    assert stored is not None and stored.unsettled is False


def test_moved_to_another_person_and_properties_merged(
    delighted: Delighted, answer: Response, clock: FrozenClock
) -> None:
    bo = delighted.post("people", {"email": "bo@example.com", "send": False}).json
    clock.advance(minutes=1)
    moved = delighted(
        "PUT",
        f"survey_responses/{answer.id}",
        json={"person": {"id": bo["id"], "email": "bo@example.com"},
              "person_properties": {"Plan": "Pro"}},
    )  # fmt: skip
    assert (moved.json["person"], moved.json["person_properties"]) == (bo["id"], {"Plan": "Pro"})
    customer = db.session.get(Customer, int(bo["id"]))
    assert customer is not None and customer.properties == {"Plan": "Pro"}
    assert moved.json["updated_at"] == NOW + 60


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        ({"score": 11}, "score", "must be between 0 and 10"),
        ({"score": "ten"}, "score", "must be a whole number"),
        ({"person": "999"}, "person", "no person has this id"),
        ({"person": {"email": "x@example.com"}}, "person", "must be a positive whole number"),
        ({"comment": "x" * 5001}, "comment", "must be at most 5000 characters"),
        ({"person_properties": ["a"]}, "person_properties", "must be an object"),
    ],
)
def test_bad_changes_are_a_422_naming_the_field(
    delighted: Delighted, answer: Response, body: dict[str, object], field: str, problem: str
) -> None:
    refused = delighted("PUT", f"survey_responses/{answer.id}", json=body)
    assert (refused.status_code, refused.json) == (
        422,
        {"status": 422, "message": "some fields are missing or invalid",
         "errors": {field: [problem]}},
    )  # fmt: skip
    stored = db.session.get(Response, answer.id)
    assert stored is not None and (stored.score, stored.comment) == (6, "Fine")


def test_a_score_off_a_csat_scale_names_the_score(
    delighted: Delighted, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    invitation, _ = make_invitation("csat", "cy@example.com")
    csat = store_answer(invitation, 4, clock.now)
    refused = delighted("PUT", f"survey_responses/{csat.id}", json={"score": 9})
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["score"]


def test_changing_needs_the_ingest_scope(
    delighted: Delighted, answer: Response, make_api_key: Callable[..., str]
) -> None:
    reader = Delighted(delighted.client, make_api_key("read", name="reader"))
    assert reader("PUT", f"survey_responses/{answer.id}", json={"score": 1}).status_code == 403
    assert reader.get(f"survey_responses/{answer.id}").status_code == 200


def test_an_answer_added_by_the_api_is_changed_by_the_api(delighted: Delighted) -> None:
    """Read first by this request (no invitation, nothing loaded before): locking it for the
    change works on PostgreSQL too."""
    ana = delighted.post("people", {"email": "ana@example.com", "send": False}).json
    added = delighted.post("survey_responses", {"person": ana["id"], "score": 6}).json
    found = delighted.get(f"survey_responses/{added['id']}?expand[]=person").json
    changed = delighted("PUT", f"survey_responses/{added['id']}", json={**found, "score": 9})
    assert (changed.status_code, changed.json["score"], changed.json["person"]) == (
        200,
        9,
        ana["id"],
    )
