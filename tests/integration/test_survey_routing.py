"""Routing rules at work: each kind of match on posted interactions, the order, the default,
the answers naming the rule, NPS enrolments and their periodic invitations, connectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feedback_app.connectors.processing import interaction_input
from feedback_app.connectors.setup import Settings, create_connector
from feedback_app.extensions import db
from feedback_app.ingest.interactions import ingest_interaction
from feedback_app.models import Invitation, RoutingRule, Survey
from feedback_app.routing.service import add_rule, move_rule, set_default
from feedback_app.services.nps import schedule_due_nps
from feedback_app.services.surveys import create_survey
from surveys.connectors import InteractionFacts
from surveys.kinds import SurveyKind
from surveys.routing import Conditions
from tests.helpers import FrozenClock


@pytest.fixture
def surveys(app: Any, clock: FrozenClock) -> dict[str, Survey]:
    made = {
        "main": create_survey(SurveyKind.CSAT, clock.now, name="Main CSAT"),
        "routed": create_survey(SurveyKind.CSAT, clock.now, name="Routed CSAT"),
        "other": create_survey(SurveyKind.CSAT, clock.now, name="Other CSAT"),
        "nps": create_survey(SurveyKind.NPS, clock.now, name="Main NPS"),
        "nps_gold": create_survey(SurveyKind.NPS, clock.now, name="Gold NPS"),
    }
    db.session.commit()
    return made


@pytest.fixture
def rule(clock: FrozenClock) -> Callable[..., RoutingRule]:
    def make(survey: Survey, **conditions: str) -> RoutingRule:
        made = add_rule(survey.kind, survey.id, Conditions(**conditions), clock.now)
        db.session.commit()
        return made

    return make


@pytest.fixture
def post(client: FlaskClient, api_key: str) -> Callable[..., TestResponse]:
    def do(path: str, body: dict[str, Any]) -> TestResponse:
        return client.post(path, json=body, headers={"Authorization": f"Bearer {api_key}"})

    return do


def interaction(external_id: str = "T-1", **fields: Any) -> dict[str, Any]:
    customer = {"email": "casey@example.com", **fields.pop("customer", {})}
    return {"external_id": external_id, "customer": customer, **fields}


def survey_of(answer: TestResponse) -> int:
    assert answer.status_code in (200, 202), answer.json
    invitation = db.session.get(Invitation, answer.json["invitation"]["id"])
    assert invitation is not None
    return invitation.survey_id


MATCHES = [
    ({"channel": "chat"}, {"channel": "chat"}, {"channel": "email"}),
    ({"team": "billing  eu"}, {"team": "Billing EU"}, {"team": "Billing"}),
    ({"source": "api"}, {}, None),
    ({"locale": "fr"}, {"customer": {"locale": "fr-CA"}}, {"customer": {"locale": "en"}}),
    (
        {"property_name": "plan", "property_value": "gold"},
        {"customer": {"properties": {"plan": "Gold"}}},
        {"customer": {"properties": {"plan": "Silver"}}},
    ),
    ({"tag": "vip"}, {"tags": ["refund", "VIP"]}, {"tags": ["refund"]}),
]


@pytest.mark.parametrize(("conditions", "matching", "other"), MATCHES)
def test_each_kind_of_match(
    post: Callable[..., TestResponse],
    rule: Callable[..., RoutingRule],
    surveys: dict[str, Survey],
    conditions: dict[str, str],
    matching: dict[str, Any],
    other: dict[str, Any] | None,
) -> None:
    made = rule(surveys["routed"], **conditions)
    routed = post("/api/v1/interactions", interaction("T-1", **matching))
    assert survey_of(routed) == surveys["routed"].id
    assert routed.json["routing"]["rule_id"] == made.id
    if other is not None:
        unmatched = interaction("T-2", **other)
        unmatched["customer"]["email"] = "pat@example.com"
        answer = post("/api/v1/interactions", unmatched)
        assert survey_of(answer) == surveys["main"].id
        assert answer.json["routing"]["rule_id"] is None


def test_the_answer_names_the_survey_and_the_rule_on_every_post(
    post: Callable[..., TestResponse],
    rule: Callable[..., RoutingRule],
    surveys: dict[str, Survey],
) -> None:
    rule(surveys["other"], channel="email")
    chat = rule(surveys["routed"], channel="chat", tag="vip")
    body = interaction(channel="chat", tags=["vip"])
    first = post("/api/v1/interactions", body)
    assert first.status_code == 202
    assert first.json["routing"] == {
        "survey_id": surveys["routed"].id,
        "survey_name": "Routed CSAT",
        "rule_id": chat.id,
        "reason": "rule 2: channel is 'chat' and tagged 'vip'",
    }
    # A repost answers what the first post chose, even once the rules changed.
    db.session.delete(chat)
    db.session.commit()
    again = post("/api/v1/interactions", body)
    assert again.status_code == 200
    assert again.json == first.json


def test_the_first_matching_rule_wins_in_the_order_the_admin_set(
    post: Callable[..., TestResponse],
    rule: Callable[..., RoutingRule],
    surveys: dict[str, Survey],
    clock: FrozenClock,
) -> None:
    rule(surveys["routed"], channel="chat")
    by_tag = rule(surveys["other"], tag="vip")
    body = {"channel": "chat", "tags": ["vip"]}
    assert survey_of(post("/api/v1/interactions", interaction("T-1", **body))) == (
        surveys["routed"].id
    )
    assert move_rule(by_tag, -1, clock.now)
    db.session.commit()
    second = interaction("T-2", **body)
    second["customer"]["email"] = "pat@example.com"
    answer = post("/api/v1/interactions", second)
    assert survey_of(answer) == surveys["other"].id
    assert answer.json["routing"]["reason"] == "rule 1: tagged 'vip'"


def test_the_default_is_the_oldest_unless_the_admin_picks_one(
    post: Callable[..., TestResponse], surveys: dict[str, Survey], clock: FrozenClock
) -> None:
    assert survey_of(post("/api/v1/interactions", interaction("T-1"))) == surveys["main"].id
    set_default(SurveyKind.CSAT, surveys["other"].id)
    db.session.commit()
    second = interaction("T-2")
    second["customer"]["email"] = "pat@example.com"
    answer = post("/api/v1/interactions", second)
    assert survey_of(answer) == surveys["other"].id
    assert answer.json["routing"] == {
        "survey_id": surveys["other"].id,
        "survey_name": "Other CSAT",
        "rule_id": None,
        "reason": "no rule matched: the default CSAT survey",
    }


def test_the_interaction_list_shows_how_each_survey_was_chosen(
    client: FlaskClient,
    api_key: str,
    post: Callable[..., TestResponse],
    rule: Callable[..., RoutingRule],
    surveys: dict[str, Survey],
) -> None:
    made = rule(surveys["routed"], channel="chat")
    post("/api/v1/interactions", interaction(channel="chat"))
    listed = client.get("/api/v1/interactions", headers={"Authorization": f"Bearer {api_key}"})
    (item,) = listed.json["items"]
    assert item["invitation"]["survey_id"] == surveys["routed"].id
    assert item["routing"]["rule_id"] == made.id
    assert item["routing"]["reason"] == "rule 1: channel is 'chat'"


@pytest.mark.parametrize(
    ("tags", "message"),
    [("vip", "must be an array of strings"), ([1], "each item must be a string")],
)
def test_bad_tags_are_a_422_naming_the_field(
    post: Callable[..., TestResponse], surveys: dict[str, Survey], tags: Any, message: str
) -> None:
    answer = post("/api/v1/interactions", interaction(tags=tags))
    assert answer.status_code == 422
    assert answer.json["errors"] == {"tags": message}


def test_nps_enrolment_follows_the_rules(
    post: Callable[..., TestResponse],
    rule: Callable[..., RoutingRule],
    surveys: dict[str, Survey],
    clock: FrozenClock,
) -> None:
    gold = rule(surveys["nps_gold"], property_name="plan", property_value="Gold")
    now = post(
        "/api/v1/people",
        {"email": "ana@example.com", "properties": {"plan": "Gold"}, "send": "now"},
    )
    assert now.status_code == 202
    assert survey_of(now) == surveys["nps_gold"].id
    assert now.json["routing"] == {
        "survey_id": surveys["nps_gold"].id,
        "survey_name": "Gold NPS",
        "rule_id": gold.id,
        "reason": "rule 1: property plan is 'Gold'",
    }
    enrolled = post("/api/v1/people", {"email": "bo@example.com"})
    assert enrolled.json["invitation"] is None
    assert enrolled.json["routing"]["survey_id"] == surveys["nps"].id
    assert enrolled.json["routing"]["rule_id"] is None


def test_periodic_nps_invitations_follow_the_rules(
    post: Callable[..., TestResponse],
    rule: Callable[..., RoutingRule],
    surveys: dict[str, Survey],
    clock: FrozenClock,
) -> None:
    rule(surveys["nps_gold"], locale="de")
    post("/api/v1/people", {"email": "ana@example.com", "locale": "de-AT"})
    post("/api/v1/people", {"email": "bo@example.com", "locale": "en"})
    clock.advance(days=91)
    assert schedule_due_nps(clock.now) == 2
    invited = db.session.execute(
        sa.select(Invitation.survey_id).order_by(Invitation.customer_id)
    ).scalars()
    assert list(invited) == [surveys["nps_gold"].id, surveys["nps"].id]


def test_connector_deliveries_follow_the_rules_unless_the_connector_names_a_survey(
    rule: Callable[..., RoutingRule], surveys: dict[str, Survey], clock: FrozenClock
) -> None:
    rule(surveys["routed"], tag="vip")
    free = create_connector("zendesk", "Routed", clock.now, secret="secret-one")
    fixed = create_connector(
        "zendesk",
        "Fixed",
        clock.now,
        secret="secret-two",
        settings=Settings(survey_id=surveys["other"].id),
    )
    db.session.commit()
    facts = InteractionFacts(ticket_id="42", customer_email="casey@example.com", tags=("VIP",))
    routed = ingest_interaction(interaction_input(free, facts), clock.now)
    assert routed.invitation is not None
    assert routed.invitation.survey_id == surveys["routed"].id
    assert routed.interaction.routing_reason == "rule 1: tagged 'vip'"
    other = InteractionFacts(ticket_id="43", customer_email="pat@example.com", tags=("VIP",))
    kept = ingest_interaction(interaction_input(fixed, other), clock.now)
    assert kept.invitation is not None
    assert kept.invitation.survey_id == surveys["other"].id
    assert kept.interaction.routing_reason == "the connector's own survey"
    assert kept.interaction.routing_rule_id is None
