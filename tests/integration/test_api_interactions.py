"""POST /api/v1/interactions: auth, validation, upserts, idempotency and the fatigue rule."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError
from werkzeug.test import TestResponse

from feedback_app.extensions import db
from feedback_app.ingest.transactions import committed
from feedback_app.models import (
    Agent,
    ApiKey,
    Customer,
    Interaction,
    Invitation,
    Survey,
    Team,
    Unsubscribe,
)
from feedback_app.services.invitations import find_by_token
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind
from surveys.invitations import InvitationStatus, SuppressionReason
from tests.helpers import FrozenClock, wait_for_lock_waiters

URL = "/api/v1/interactions"
NOW = "2026-03-02T09:00:00Z"


@pytest.fixture
def post(client: FlaskClient, api_key: str) -> Callable[..., TestResponse]:
    def do(body: Any) -> TestResponse:
        return client.post(URL, json=body, headers={"Authorization": f"Bearer {api_key}"})

    return do


def interaction(external_id: str = "T-1", email: str = "casey@example.com", **fields: Any) -> dict:
    return {"external_id": external_id, "customer": {"email": email}, **fields}


def invitations() -> list[Invitation]:
    return list(db.session.scalars(sa.select(Invitation).order_by(Invitation.id)))


# --- auth -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Basic abc", "Bearer fbk_not-a-real-key", "fbk_no-scheme"],
)
def test_a_missing_or_wrong_key_is_refused(
    client: FlaskClient, api_key: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.post(URL, json=interaction(), headers=headers)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0


def test_a_revoked_key_is_refused(client: FlaskClient, api_key: str, clock: FrozenClock) -> None:
    key = db.session.scalar(sa.select(ApiKey))
    key.revoked_at = clock.now
    db.session.commit()
    response = client.post(URL, json=interaction(), headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 401


# --- body shape ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        ('{"external_id": ', "application/json", "the body is not valid JSON"),
        ("", "application/json", "the body is not valid JSON"),
        ('{"external_id": "T-1"}', "text/plain", "Content-Type: application/json"),
        ("[1, 2]", "application/json", "the body must be a JSON object"),
        ('"T-1"', "application/json", "the body must be a JSON object"),
        ("null", "application/json", "the body must be a JSON object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(
    client: FlaskClient, api_key: str, data: str, content_type: str, message: str
) -> None:
    response = client.post(
        URL,
        data=data,
        content_type=content_type,
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert message in response.json["message"]


# --- missing and bad fields ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"customer": {"email": "a@example.com"}}, "external_id", "is required"),
        ({"external_id": None, "customer": {"email": "a@example.com"}}, "external_id", "required"),
        ({"external_id": "  ", "customer": {"email": "a@example.com"}}, "external_id", "blank"),
        ({"external_id": "T-1"}, "customer", "is required"),
        ({"external_id": "T-1", "customer": {}}, "customer.email", "is required"),
        ({"external_id": "T-1", "customer": {"name": "Casey"}}, "customer.email", "is required"),
        (interaction(agent={"name": "Alex"}), "agent.email", "is required"),
    ],
)
def test_each_missing_required_field_is_named(
    post: Callable[..., TestResponse], body: dict, field: str, message: str
) -> None:
    response = post(body)
    assert response.status_code == 422
    assert response.json["error"] == "invalid"
    assert message in response.json["errors"][field]
    assert set(response.json["errors"]) == {field}


def with_customer(**fields: Any) -> dict:
    return {"external_id": "T-1", "customer": {"email": "casey@example.com", **fields}}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (interaction(channel="x" * 201), "channel", "must be at most 200 characters"),
        (interaction(channel=["Email"]), "channel", "must be a string"),
        (interaction(opened_at="yesterday"), "opened_at", "ISO 8601"),
        (interaction(opened_at="2026-03-01T10:00:00"), "opened_at", "must include a UTC offset"),
        (interaction(opened_at="2026-03-01"), "opened_at", "must include a UTC offset"),
        (interaction(resolved_at=1772442000), "resolved_at", "ISO 8601 date-time string"),
        (interaction(first_response_at="2026-02-30T10:00:00Z"), "first_response_at", "ISO"),
        (
            interaction(opened_at=NOW, resolved_at="2026-03-02T08:59:59Z"),
            "resolved_at",
            "must not be before opened_at",
        ),
        (
            interaction(opened_at=NOW, first_response_at="2026-03-02T10:00:00+02:00"),
            "first_response_at",
            "must not be before opened_at",
        ),
        (interaction(handle_seconds=-1), "handle_seconds", "between 0 and"),
        (interaction(handle_seconds=2**31), "handle_seconds", "between 0 and"),
        (interaction(handle_seconds=1.5), "handle_seconds", "whole number"),
        (interaction(handle_seconds="60"), "handle_seconds", "whole number"),
        (interaction(handle_seconds=True), "handle_seconds", "whole number"),
        (with_customer(email="not-an-email"), "customer.email", "not a valid email address"),
        (with_customer(email="casey@example"), "customer.email", "not a valid email address"),
        (with_customer(email=42), "customer.email", "must be a string"),
        (with_customer(properties=["vip"]), "customer.properties", "must be an object"),
        (with_customer(properties="vip"), "customer.properties", "must be an object"),
        (with_customer(properties={"x": "y" * 20000}), "customer.properties", "at most"),
        (with_customer(locale="english please"), "customer.locale", "language tag"),
        (with_customer(name="n" * 201), "customer.name", "at most 200 characters"),
        (interaction(customer="casey@example.com"), "customer", "must be an object"),
        (interaction(agent="alex@example.com"), "agent", "must be an object"),
        (interaction(agent={"email": "alex"}), "agent.email", "not a valid email address"),
        (interaction(team=7), "team", "must be a string"),
        (interaction(survey="nps"), "survey", "must be one of csat, ces, none"),
        (interaction(survey="CSAT"), "survey", "must be one of csat, ces, none"),
        (interaction(survey=True), "survey", "must be one of"),
        (interaction(delay_seconds=-5), "delay_seconds", "between 0 and 2592000"),
        (interaction(delay_seconds=2592001), "delay_seconds", "between 0 and 2592000"),
        (interaction(delay_seconds="600"), "delay_seconds", "whole number"),
        (interaction(first_contact_resolved="yes"), "first_contact_resolved", "true or false"),
        (interaction(external_id="x" * 201), "external_id", "at most 200 characters"),
        (interaction(external_id=["T-1"]), "external_id", "must be a string"),
    ],
)
def test_each_bad_field_is_named(
    post: Callable[..., TestResponse], body: dict, field: str, message: str
) -> None:
    response = post(body)
    assert response.status_code == 422, response.json
    assert set(response.json["errors"]) == {field}
    assert message in response.json["errors"][field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


def test_every_bad_field_is_reported_at_once(post: Callable[..., TestResponse]) -> None:
    response = post(
        {
            "customer": {"email": "nope", "properties": 3},
            "channel": {"name": "pigeon"},
            "agent": {"name": "Alex"},
            "opened_at": "2026-03-01T10:00:00",
            "handle_seconds": -3,
            "survey": "sometimes",
            "delay_seconds": -1,
        }
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {
        "external_id",
        "customer.email",
        "customer.properties",
        "channel",
        "agent.email",
        "opened_at",
        "handle_seconds",
        "survey",
        "delay_seconds",
    }


# --- a new interaction --------------------------------------------------------------------


def test_a_new_interaction_is_stored_and_its_customer_invited(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    response = post(
        {
            "external_id": "T-100",
            "customer": {
                "email": "Casey.Jones@Example.COM",
                "name": "Casey Jones",
                "external_id": 981,
                "locale": "pt-BR",
                "properties": {"plan": "pro", "seats": 12},
            },
            "channel": "chat",
            "agent": {"email": "Alex@Example.com", "name": "Alex"},
            "team": "Billing",
            "opened_at": "2026-03-02T08:00:00+01:00",
            "first_response_at": "2026-03-02T07:05:00Z",
            "resolved_at": "2026-03-02T08:30:00Z",
            "handle_seconds": 1500,
            "first_contact_resolved": True,
        }
    )
    assert response.status_code == 202, response.json
    stored = db.session.scalar(sa.select(Interaction))
    invitation = db.session.scalar(sa.select(Invitation))
    assert response.json == {
        "interaction_id": stored.id,
        "invitation": {
            "id": invitation.id,
            "status": "scheduled",
            "survey": "csat",
            "scheduled_for": "2026-03-02T09:00:00Z",
            "expires_at": "2026-04-01T09:00:00Z",
            "survey_url": response.json["invitation"]["survey_url"],
        },
        "reason": None,
        "suppressed_invitation_id": None,
        "routing": {
            "survey_id": invitation.survey_id,
            "survey_name": "Support satisfaction (CSAT)",
            "rule_id": None,
            "reason": "no rule matched: the default CSAT survey",
        },
    }
    url = response.json["invitation"]["survey_url"]
    assert url.startswith("http://feedback.test/s/")
    assert find_by_token(url.rsplit("/", 1)[1]) == invitation

    customer = stored.customer
    assert (customer.email, customer.name, customer.external_id, customer.locale) == (
        "casey.jones@example.com",
        "Casey Jones",
        "981",
        "pt-BR",
    )
    assert customer.properties == {"plan": "pro", "seats": 12}
    assert (stored.agent.email, stored.agent.name, stored.team.name) == (
        "alex@example.com",
        "Alex",
        "Billing",
    )
    assert stored.channel == "Chat"
    assert stored.opened_at == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert stored.first_response_at == datetime(2026, 3, 2, 7, 5, tzinfo=UTC)
    assert stored.resolved_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert (stored.handle_seconds, stored.first_contact_resolved) == (1500, True)
    assert (invitation.customer, invitation.interaction) == (customer, stored)
    assert invitation.survey.kind is SurveyKind.CSAT
    assert invitation.created_at == clock.now


def test_minimal_interaction_defaults_to_channel_other_and_no_agent_or_team(
    post: Callable[..., TestResponse],
) -> None:
    assert post(interaction(external_id=4711)).status_code == 202
    stored = db.session.scalar(sa.select(Interaction))
    assert stored.external_id == "4711"
    assert stored.channel == "Other"
    assert (stored.agent, stored.team, stored.opened_at, stored.handle_seconds) == (
        None,
        None,
        None,
        None,
    )


def test_survey_none_records_the_interaction_without_an_invitation(
    post: Callable[..., TestResponse],
) -> None:
    response = post(interaction(survey="none"))
    assert response.status_code == 202
    assert response.json["invitation"] is None
    assert response.json["reason"] == "not_requested"
    assert response.json["suppressed_invitation_id"] is None
    assert invitations() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 1


def test_survey_ces_invites_to_the_ces_survey(post: Callable[..., TestResponse]) -> None:
    response = post(interaction(survey="ces"))
    assert response.json["invitation"]["survey"] == "ces"


class TestConfiguredDefaultSurvey:
    @pytest.fixture
    def app_config(self, app_config: dict[str, Any]) -> dict[str, Any]:
        return {**app_config, "DEFAULT_INTERACTION_SURVEY": "ces"}

    def test_an_interaction_that_names_no_survey_gets_the_configured_one(
        self, post: Callable[..., TestResponse]
    ) -> None:
        assert post(interaction()).json["invitation"]["survey"] == "ces"
        assert invitations()[0].survey.kind is SurveyKind.CES


def test_delay_seconds_shifts_scheduled_for_and_expiry(post: Callable[..., TestResponse]) -> None:
    response = post(interaction(delay_seconds=3600))
    assert response.json["invitation"]["scheduled_for"] == "2026-03-02T10:00:00Z"
    assert response.json["invitation"]["expires_at"] == "2026-04-01T10:00:00Z"


def test_without_delay_seconds_the_surveys_own_delay_applies(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    survey_for_kind(SurveyKind.CSAT, clock.now).delay_seconds = 7200
    db.session.commit()
    assert post(interaction()).json["invitation"]["scheduled_for"] == "2026-03-02T11:00:00Z"
    immediate = post(interaction("T-2", "b@example.com", delay_seconds=0))
    assert immediate.json["invitation"]["scheduled_for"] == "2026-03-02T09:00:00Z"


# --- upserts ------------------------------------------------------------------------------


def test_customers_agents_and_teams_are_upserted(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post(
        {
            "external_id": "T-1",
            "customer": {"email": "casey@example.com", "name": "Casey", "properties": {"a": 1}},
            "agent": {"email": "alex@example.com", "name": "Alex"},
            "team": "Billing",
            "survey": "none",
        }
    )
    clock.advance(hours=1)
    post(
        {
            "external_id": "T-2",
            "customer": {"email": "CASEY@example.com", "locale": "fr", "properties": {"b": 2}},
            "agent": {"email": "ALEX@example.com"},
            "team": "Billing",
            "survey": "none",
        }
    )
    customer = db.session.scalar(sa.select(Customer))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1
    assert (customer.name, customer.locale) == ("Casey", "fr")
    assert customer.properties == {"a": 1, "b": 2}
    assert customer.created_at == clock.now - timedelta(hours=1)
    assert customer.updated_at == clock.now
    assert [(a.email, a.name) for a in db.session.scalars(sa.select(Agent))] == [
        ("alex@example.com", "Alex")
    ]
    assert [t.name for t in db.session.scalars(sa.select(Team))] == ["Billing"]


# --- idempotency --------------------------------------------------------------------------


def test_posting_the_same_external_id_again_updates_and_never_invites_twice(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    first = post(interaction(channel="email", team="Billing"))
    assert first.status_code == 202
    clock.advance(days=10)
    again = post(
        interaction(
            channel="phone",
            resolved_at="2026-03-12T08:00:00Z",
            agent={"email": "alex@example.com"},
            survey="ces",
        )
    )
    assert again.status_code == 200
    assert again.json == first.json
    assert len(invitations()) == 1
    stored = db.session.scalar(sa.select(Interaction))
    assert stored.channel == "Phone"
    assert stored.team is None
    assert stored.agent.email == "alex@example.com"
    assert stored.resolved_at == datetime(2026, 3, 12, 8, tzinfo=UTC)
    assert stored.updated_at == clock.now
    assert stored.created_at == clock.now - timedelta(days=10)


def test_a_repost_of_a_suppressed_interaction_shows_the_same_reason(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post(interaction("T-1"))
    clock.advance(days=1)
    first = post(interaction("T-2"))
    again = post(interaction("T-2", handle_seconds=30))
    assert again.status_code == 200
    assert again.json == first.json
    assert again.json["reason"] == "throttled"
    assert len(invitations()) == 2


def test_a_repost_of_a_survey_none_interaction_still_invites_nobody(
    post: Callable[..., TestResponse],
) -> None:
    post(interaction(survey="none"))
    again = post(interaction(survey="csat"))
    assert again.status_code == 200
    assert again.json["invitation"] is None
    assert again.json["reason"] == "not_requested"
    assert invitations() == []


def test_a_unique_key_race_is_run_again_once(app: Any, clock: FrozenClock) -> None:
    attempts = []

    def work() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
        return 7

    assert committed(work) == 7
    assert len(attempts) == 2


def post_behind_rivals(
    app: Any, api_key: str, body: dict[str, Any], rivals: list[tuple[type, dict[str, Any]]]
) -> TestResponse:
    """Post ``body`` while other transactions hold each of ``rivals`` (a model and its row)
    inserted and uncommitted; each is committed once the post waits on it, in order. The
    post's answer."""
    answers: list[TestResponse] = []

    def send() -> None:
        headers = {"Authorization": f"Bearer {api_key}"}
        answers.append(app.test_client().post(URL, json=body, headers=headers))

    engine = sa.create_engine(app.config["DATABASE_URL"])
    others = [engine.connect() for _ in rivals]
    racing = threading.Thread(target=send)
    try:
        for other, (model, row) in zip(others, rivals, strict=True):
            other.execute(sa.insert(model.__table__).values(row))
        racing.start()
        for other in others:
            wait_for_lock_waiters(engine, 1)
            other.commit()
    finally:
        for other in others:
            other.close()
        racing.join()
        engine.dispose()
    db.session.expire_all()
    (answer,) = answers
    return answer


def test_a_post_racing_other_posts_for_its_new_customer_agent_and_team_succeeds(
    app: Any, api_key: str, post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    """Three other posts add the customer, the agent and the team first, each in its own
    transaction, committed while this post waits on that row's insert: it finds each row
    (once running again on a unique key failure, as before, would not be enough) and
    throttles its invitation by the other post's.

    PostgreSQL: SQLite's single writer lets no two posts insert at once.
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's concurrent writers")
    # The key's first use, the survey and the channel's label are written by this post.
    assert post(interaction("T-0", "first@example.com")).status_code == 202
    # The post meets the customer, the agent and the team in this order.
    answer = post_behind_rivals(
        app,
        api_key,
        interaction("T-1", agent={"email": "sam@example.com", "name": "Sam"}, team="Support"),
        [
            (
                Customer,
                {"email": "casey@example.com", "created_at": clock.now, "updated_at": clock.now},
            ),
            (Agent, {"email": "sam@example.com", "name": "Sam"}),
            (Team, {"name": "Support"}),
        ],
    )

    assert answer.status_code == 202
    assert sorted(db.session.scalars(sa.select(Customer.email))) == [
        "casey@example.com",
        "first@example.com",
    ]
    assert [(agent.email, agent.name) for agent in db.session.scalars(sa.select(Agent))] == [
        ("sam@example.com", "Sam")
    ]
    assert list(db.session.scalars(sa.select(Team.name))) == ["Support"]
    stored = db.session.scalars(sa.select(Interaction).where(Interaction.external_id == "T-1"))
    assert [(i.customer.email, i.agent.name, i.team.name) for i in stored] == [
        ("casey@example.com", "Sam", "Support")
    ]


def test_a_post_racing_another_for_the_same_new_ticket_updates_it_once_committed(
    app: Any, api_key: str, post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    """Another post adds the interaction first, in its own transaction, committed while
    this post waits on its insert: this post then finds it and updates it, as a repost.

    PostgreSQL: SQLite's single writer lets no two posts insert at once.
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's concurrent writers")
    assert post(interaction("T-0", "first@example.com")).status_code == 202
    rival = {
        "source": "api",
        "external_id": "T-1",
        "channel": "email",
        "answered": True,
        "created_at": clock.now,
        "updated_at": clock.now,
        "unsettled": True,
    }
    answer = post_behind_rivals(
        app, api_key, interaction("T-1", channel="phone", handle_seconds=95), [(Interaction, rival)]
    )

    assert (answer.status_code, answer.json["invitation"]) == (200, None)
    stored = db.session.scalars(sa.select(Interaction).where(Interaction.external_id == "T-1"))
    assert [(i.customer.email, i.channel, i.handle_seconds) for i in stored] == [
        ("casey@example.com", "Phone", 95)
    ]


# --- fatigue ------------------------------------------------------------------------------


def test_a_second_interaction_within_seven_days_is_throttled_and_recorded(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post(interaction("T-1"))
    clock.advance(days=7, seconds=-1)
    response = post(interaction("T-2"))
    assert response.status_code == 202
    first, second = invitations()
    assert response.json == {
        "interaction_id": second.interaction_id,
        "invitation": None,
        "reason": "throttled",
        "suppressed_invitation_id": second.id,
        "routing": {
            "survey_id": second.survey_id,
            "survey_name": "Support satisfaction (CSAT)",
            "rule_id": None,
            "reason": "no rule matched: the default CSAT survey",
        },
    }
    assert second.status is InvitationStatus.SUPPRESSED
    assert second.suppression_reason is SuppressionReason.THROTTLED
    assert second.scheduled_for == clock.now
    assert first.status is InvitationStatus.SCHEDULED


def test_exactly_seven_days_later_the_customer_is_invited_again(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post(interaction("T-1"))
    clock.advance(days=7)
    response = post(interaction("T-2"))
    assert response.json["invitation"]["status"] == "scheduled"
    assert response.json["reason"] is None


def test_the_fatigue_window_spans_kinds(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post(interaction("T-1", survey="csat"))
    clock.advance(days=3)
    assert post(interaction("T-2", survey="ces")).json["reason"] == "throttled"


def test_suppressed_invitations_do_not_extend_the_window(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post(interaction("T-1"))
    clock.advance(days=6)
    assert post(interaction("T-2")).json["reason"] == "throttled"
    clock.advance(days=1)
    assert post(interaction("T-3")).json["invitation"] is not None


def test_the_window_is_measured_between_send_times(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post(interaction("T-1", delay_seconds=2 * 86400))
    clock.advance(days=8)
    assert post(interaction("T-2")).json["reason"] == "throttled"
    clock.advance(days=1)
    assert post(interaction("T-3")).json["reason"] is None


def test_other_customers_are_not_throttled(post: Callable[..., TestResponse]) -> None:
    post(interaction("T-1", "a@example.com"))
    assert post(interaction("T-2", "b@example.com")).json["reason"] is None


class TestConfiguredFatigue:
    @pytest.fixture
    def app_config(self, app_config: dict[str, Any]) -> dict[str, Any]:
        return {**app_config, "FATIGUE_DAYS": {"csat": 3, "ces": 7, "nps": 7}}

    def test_fatigue_days_come_from_config_per_kind(
        self, post: Callable[..., TestResponse], clock: FrozenClock
    ) -> None:
        post(interaction("T-1", survey="ces"))
        clock.advance(days=3)
        assert post(interaction("T-2", survey="ces")).json["reason"] == "throttled"
        assert post(interaction("T-3", survey="csat")).json["reason"] is None


# --- unsubscribes, bounces, disabled surveys ----------------------------------------------


def unsubscribe(clock: FrozenClock, kind: SurveyKind | None, revoked: bool = False) -> None:
    customer = Customer(
        email="casey@example.com",
        name="",
        properties={},
        created_at=clock.now,
        updated_at=clock.now,
    )
    db.session.add(customer)
    db.session.add(
        Unsubscribe(
            customer=customer,
            kind=kind,
            source="link",
            created_at=clock.now,
            revoked_at=clock.now if revoked else None,
        )
    )
    db.session.commit()


@pytest.mark.parametrize("kind", [SurveyKind.CSAT, None])
def test_an_unsubscribed_customer_is_not_invited_and_that_is_recorded(
    post: Callable[..., TestResponse], clock: FrozenClock, kind: SurveyKind | None
) -> None:
    unsubscribe(clock, kind)
    response = post(interaction(survey="csat"))
    assert response.status_code == 202
    (recorded,) = invitations()
    assert response.json["invitation"] is None
    assert response.json["reason"] == "unsubscribed"
    assert response.json["suppressed_invitation_id"] == recorded.id
    assert recorded.suppression_reason is SuppressionReason.UNSUBSCRIBED


def test_an_unsubscribe_from_another_kind_does_not_suppress(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    unsubscribe(clock, SurveyKind.CES)
    assert post(interaction(survey="csat")).json["reason"] is None


def test_a_revoked_unsubscribe_does_not_suppress(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    unsubscribe(clock, None, revoked=True)
    assert post(interaction()).json["invitation"]["status"] == "scheduled"


def test_a_bounced_address_is_not_invited(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    post(interaction("T-1", survey="none"))
    db.session.scalar(sa.select(Customer)).bounced_at = clock.now
    db.session.commit()
    assert post(interaction("T-2")).json["reason"] == "bounced"


def test_a_disabled_survey_invites_nobody_and_that_is_recorded(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    survey_for_kind(SurveyKind.CSAT, clock.now).enabled = False
    db.session.commit()
    response = post(interaction())
    assert response.json["reason"] == "survey_disabled"
    (recorded,) = invitations()
    assert recorded.status is InvitationStatus.SUPPRESSED
    assert recorded.survey_id == db.session.scalar(sa.select(Survey.id))


# --- the support KPIs' fields -------------------------------------------------------------


def test_the_support_fields_are_stored(post: Callable[..., TestResponse]) -> None:
    answer = post(
        interaction(
            topic="  Billing ",
            answered=False,
            first_response_seconds=45,
            talk_seconds=300,
            hold_seconds=60,
            after_work_seconds=90,
        )
    )
    assert answer.status_code == 202, answer.json
    row = db.session.get(Interaction, answer.json["interaction_id"])
    assert (row.topic, row.answered, row.first_response_seconds) == ("Billing", False, 45)
    assert (row.talk_seconds, row.hold_seconds, row.after_work_seconds) == (300, 60, 90)
    assert row.handle_seconds is None


def test_an_interaction_is_answered_unless_it_says_otherwise(
    post: Callable[..., TestResponse],
) -> None:
    answer = post(interaction(answered=None))
    assert db.session.get(Interaction, answer.json["interaction_id"]).answered is True


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"talk_seconds": -1}, {"talk_seconds": "must be between 0 and 2147483647"}),
        ({"hold_seconds": "60"}, {"hold_seconds": "must be a whole number"}),
        ({"after_work_seconds": 1.5}, {"after_work_seconds": "must be a whole number"}),
        ({"first_response_seconds": True}, {"first_response_seconds": "must be a whole number"}),
        ({"answered": "no"}, {"answered": "must be true or false"}),
        ({"topic": "x" * 201}, {"topic": "must be at most 200 characters"}),
        ({"topic": "Bill\x00ing"}, {"topic": "must not contain NUL characters"}),
    ],
)
def test_bad_support_fields_are_named(
    post: Callable[..., TestResponse], fields: dict[str, Any], errors: dict[str, str]
) -> None:
    answer = post(interaction(**fields))
    assert answer.status_code == 422
    assert answer.json["errors"] == errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 0


@pytest.mark.parametrize(
    ("known", "names"),
    [
        (False, ["SELECT agents teams", "INSERT agents", "INSERT teams"]),
        # The benchmark's steady state: 16 agents and 4 teams, each stored by its first post.
        (True, ["SELECT agents teams"]),
    ],
)
def test_a_post_for_a_new_customer_costs_a_fixed_number_of_statements(
    post: Callable[..., TestResponse], known: bool, names: list[str]
) -> None:
    """What ``benchmarks/ingest.py`` posts, once the key, the survey and the channel's label
    exist (the first post makes them): a statement more per post shows in its ratio."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        tables = re.findall(r"(?:FROM|INTO|UPDATE|JOIN) (\w+)", statement)
        statements.append(f"{statement.split()[0]} {' '.join(tables)}")

    def body(n: int, staff: int) -> dict[str, Any]:
        return {
            "external_id": f"T-{n}",
            "customer": {"email": f"customer{n}@example.com", "properties": {"plan": "pro"}},
            "channel": "email",
            "agent": {"email": f"agent{staff}@example.com", "name": f"Agent {staff}"},
            "team": f"Team {staff}",
            "opened_at": NOW,
            "resolved_at": "2026-03-02T11:00:00Z",
            "handle_seconds": 300,
        }

    assert post(body(1, 1)).status_code == 202
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        answer = post(body(2, 1 if known else 2))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert answer.status_code == 202, answer.json
    assert statements == [
        "SELECT api_keys",
        "SELECT channel_aliases channel_labels",
        "INSERT customers forgotten_addresses",
        *names,
        "SELECT surveys default_surveys routing_rules",
        "INSERT interactions",
        "INSERT invitations",
    ]
