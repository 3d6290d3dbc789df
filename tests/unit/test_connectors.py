"""Each helpdesk's verify and parse as pure functions: no app, no database, no network."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from surveys.connectors import CONNECTORS, Ignored, InteractionFacts, Rejected, Unverified
from surveys.connectors.base import skip_reason
from surveys.connectors.freescout import derived_secret
from tests.connectors.vendors import (
    EMAIL_FIELD,
    EVENT_HEADERS,
    SECRET,
    TYPES,
    b64_hmac,
    encode,
    front,
    help_scout_legacy,
    not_solved,
    sign,
    solved,
    without_email,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def verify(kind: str, body: bytes, headers: dict[str, str], secret: str = SECRET) -> None:
    CONNECTORS[kind].verify(lower(headers), body, secret, NOW)


def parse(kind: str, payload: Any, headers: dict[str, str] | None = None) -> Any:
    extra = EVENT_HEADERS.get(kind, {}) if headers is None else headers
    return CONNECTORS[kind].parse(payload, lower(extra))


@pytest.mark.parametrize("kind", TYPES)
def test_a_delivery_signed_as_documented_verifies(kind: str) -> None:
    body = encode(solved(kind))
    verify(kind, body, sign(kind, body, SECRET, NOW))


@pytest.mark.parametrize("kind", TYPES)
def test_another_secret_or_another_body_does_not(kind: str) -> None:
    body = encode(solved(kind))
    headers = sign(kind, body, SECRET, NOW)
    with pytest.raises(Unverified):
        verify(kind, body, headers, secret="someone-elses-secret")
    if kind != "freshdesk":  # Freshdesk signs nothing: only its secret is checked
        with pytest.raises(Unverified, match="does not match"):
            verify(kind, body + b" ", headers)


@pytest.mark.parametrize("kind", TYPES)
def test_no_signature_header_is_named(kind: str) -> None:
    with pytest.raises(Unverified, match=r"header|authentication"):
        verify(kind, b"{}", {"Content-Type": "application/json"})


@pytest.mark.parametrize("kind", ["zendesk", "front"])
@pytest.mark.parametrize(
    ("offset", "fresh"), [(300, True), (301, False), (-300, True), (-301, False)]
)
def test_signed_timestamps_within_five_minutes_either_way(
    kind: str, offset: int, fresh: bool
) -> None:
    body = encode(solved(kind))
    headers = sign(kind, body, SECRET, NOW + timedelta(seconds=offset))
    if fresh:
        verify(kind, body, headers)
    else:
        with pytest.raises(Unverified, match="more than five minutes"):
            verify(kind, body, headers)


def test_zendesk_accepts_both_documented_signing_orders() -> None:
    body = b'{"external_id": "1"}'
    stamp = "2026-03-02T09:00:00Z"
    for signed in (stamp.encode() + body, body + stamp.encode()):
        verify(
            "zendesk",
            body,
            {
                "X-Zendesk-Webhook-Signature-Timestamp": stamp,
                "X-Zendesk-Webhook-Signature": b64_hmac(SECRET, signed, "sha256"),
            },
        )


@pytest.mark.parametrize(
    ("stamp", "problem"),
    [("yesterday", "is not an ISO 8601 time"), ("2026-03-02T09:00:00", "has no UTC offset")],
)
def test_zendesk_timestamp_must_be_a_time_with_an_offset(stamp: str, problem: str) -> None:
    with pytest.raises(Unverified) as raised:
        verify(
            "zendesk",
            b"{}",
            {
                "X-Zendesk-Webhook-Signature-Timestamp": stamp,
                "X-Zendesk-Webhook-Signature": b64_hmac(SECRET, stamp.encode() + b"{}", "sha256"),
            },
        )
    assert str(raised.value) == f"the x-zendesk-webhook-signature-timestamp header {problem}"


def test_front_rule_webhooks_sign_the_body_with_sha1() -> None:
    body = encode(front()["payload"])
    verify("front", body, {"X-Front-Signature": b64_hmac(SECRET, body, "sha1")})
    # An application webhook's signature presented without its timestamp does not verify.
    app_signed = sign("front", body, SECRET, NOW)
    with pytest.raises(Unverified):
        verify("front", body, {"X-Front-Signature": app_signed["X-Front-Signature"]})


def test_front_answers_only_its_challenge_header() -> None:
    challenge = CONNECTORS["front"].challenge
    assert challenge is not None
    assert challenge({"x-front-challenge": "abc"}) == "abc"
    assert challenge({}) is None


def test_freescout_key_as_given_or_derived_from_the_app_key() -> None:
    app_key = "base64:abc="
    assert derived_secret(app_key) == hashlib.md5(b"base64:abc=webhook_key").hexdigest()
    body = b"{}"
    for header in ("X-FreeScout-Signature", "X-HelpScout-Signature"):
        signed = {header: b64_hmac(derived_secret(app_key), body, "sha1")}
        verify("freescout", body, signed, secret=app_key)
        verify("freescout", body, signed, secret=derived_secret(app_key))


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Feedback-Secret": SECRET},
        {"Authorization": "Basic " + base64.b64encode(f"admin:{SECRET}".encode()).decode()},
        {"Authorization": "Basic " + base64.b64encode(f"{SECRET}:X".encode()).decode()},
    ],
)
def test_freshdesk_secret_in_a_header_or_basic_authentication(headers: dict[str, str]) -> None:
    verify("freshdesk", b"{}", headers)


def test_freshdesk_refuses_a_wrong_or_garbled_basic_authentication() -> None:
    for value in ("Basic !!!", "Basic " + base64.b64encode(b"admin:nope").decode(), "Bearer x"):
        with pytest.raises(Unverified):
            verify("freshdesk", b"{}", {"Authorization": value})


EXPECTED = {
    "zendesk": ("1001", "casey@example.com", "Billing", "email", ("vip", "billing")),
    "help_scout": ("1001", "casey@example.com", "Mailbox 85", "email", ("vip",)),
    "intercom": ("1001", None, None, "conversation", ("vip",)),
    "front": ("cnv_1001", "casey@example.com", None, None, ("vip",)),
    "zammad": ("1001", "casey@example.com", "Service Desk", "phone", ()),
    "freshdesk": ("1001", "casey@example.com", "Billing", "1", ("vip",)),
    "freescout": ("1001", "casey@example.com", "Mailbox 1", "email", ()),
}


@pytest.mark.parametrize("kind", TYPES)
def test_a_documented_solve_parses_into_facts(kind: str) -> None:
    facts = parse(kind, solved(kind))
    assert isinstance(facts, InteractionFacts)
    ticket, email, team, channel, tags = EXPECTED[kind]
    assert (facts.ticket_id, facts.customer_email, facts.team, facts.channel, facts.tags) == (
        ticket,
        email,
        team,
        channel,
        tags,
    )


@pytest.mark.parametrize("kind", TYPES)
def test_other_events_are_ignored_with_the_reason(kind: str) -> None:
    payload, headers = not_solved(kind)
    ignored = parse(kind, payload, headers)
    assert isinstance(ignored, Ignored)
    assert "not" in ignored.reason


@pytest.mark.parametrize("kind", TYPES)
def test_a_missing_customer_email_names_the_field(kind: str) -> None:
    with pytest.raises(Rejected) as raised:
        parse(kind, without_email(kind))
    assert list(raised.value.errors) == [EMAIL_FIELD[kind]]


def test_help_scout_other_events_by_header() -> None:
    ignored = parse("help_scout", solved("help_scout"), {"X-HelpScout-Event": "convo.created"})
    assert ignored == Ignored("the event is 'convo.created', not convo.status")


def test_help_scout_legacy_shape() -> None:
    facts = parse("help_scout", help_scout_legacy())
    assert (facts.customer_name, facts.agent_email, facts.team, facts.channel) == (
        "Casey Jones",
        "agent@example.com",
        "Support",
        "chat",
    )


def test_intercom_lookup_fills_what_the_conversation_names_by_id() -> None:
    facts = parse("intercom", solved("intercom"))
    asked = []
    answers = {
        "/contacts/ct_1": {"email": "Casey@Example.com", "name": "Casey", "browser_language": "de"},
        "/admins/9": {"email": "agent@example.com", "name": "Alex"},
        "/teams/5": {"name": "Billing"},
    }

    def get(path: str) -> dict[str, Any]:
        asked.append(path)
        return answers[path]

    lookup = CONNECTORS["intercom"].lookup
    assert lookup is not None
    found = lookup(facts, get)
    assert asked == ["/contacts/ct_1", "/admins/9", "/teams/5"]
    assert (found.customer_email, found.customer_locale, found.agent_email, found.team) == (
        "casey@example.com",
        "de",
        "agent@example.com",
        "Billing",
    )


def test_zendesk_event_webhooks_are_refused_with_what_to_do() -> None:
    with pytest.raises(Rejected, match="Trigger or automation"):
        parse("zendesk", {"type": "zen:event-type:ticket.status_changed", "detail": {}})


def test_own_json_reads_placeholders_rendered_as_strings() -> None:
    facts = parse(
        "zendesk",
        {
            "external_id": 1001,
            "customer": {"email": "a@b.co", "locale": "English"},
            "agent": {"email": ""},
            "team": "",
            "handle_seconds": "600",
            "first_contact_resolved": "true",
            "delay_seconds": "3600",
            "survey": "ces",
        },
    )
    assert (facts.ticket_id, facts.customer_locale, facts.agent_email, facts.team) == (
        "1001",
        None,
        None,
        None,
    )
    assert (facts.handle_seconds, facts.first_contact_resolved, facts.delay_seconds) == (
        600,
        True,
        3600,
    )
    assert facts.survey == "ces"


def test_own_json_names_every_bad_field_at_once() -> None:
    with pytest.raises(Rejected) as raised:
        parse("zendesk", {"customer": {"email": "nope"}, "survey": "nps", "handle_seconds": -1})
    assert sorted(raised.value.errors) == ["customer.email", "handle_seconds", "survey"]


def test_skip_reason_by_tag_team_or_channel() -> None:
    facts = InteractionFacts(
        ticket_id="1", customer_email="a@b.co", team="Billing", channel="voice", tags=("No_Survey",)
    )
    assert skip_reason(facts, tags=["no_survey"]) == "tagged no_survey"
    assert skip_reason(facts, teams=[" billing "]) == "team Billing"
    assert skip_reason(facts, channels=["VOICE"]) == "channel voice"
    assert skip_reason(facts, tags=["other"], teams=["Sales"], channels=["email"]) is None
