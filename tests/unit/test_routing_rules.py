"""Routing rules: each condition, their conjunction, the order, and the checks on a rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.routing import (
    Conditions,
    Contact,
    InvalidRoutingRule,
    Rule,
    check_conditions,
    first_match,
)
from tests.properties import PROPERTIES

CONTACT = Contact(
    channel="chat",
    team="Billing EU",
    source="zendesk-1",
    locale="fr-CA",
    properties={"plan": "Gold", "vip": True, "seats": 12, "regions": ["EU", "US"]},
    tags=("refund", "VIP"),
)


@pytest.mark.parametrize(
    ("conditions", "matches"),
    [
        (Conditions(channel="chat"), True),
        (Conditions(channel=" CHAT "), True),
        (Conditions(channel="email"), False),
        (Conditions(team="billing   eu"), True),
        (Conditions(team="Billing"), False),
        (Conditions(source="zendesk-1"), True),
        (Conditions(source="api"), False),
        (Conditions(locale="fr"), True),
        (Conditions(locale="fr-ca"), True),
        (Conditions(locale="fr_CA"), True),
        (Conditions(locale="fr-FR"), False),
        (Conditions(locale="f"), False),
        (Conditions(property_name="plan", property_value="gold"), True),
        (Conditions(property_name="Plan", property_value="Gold"), True),
        (Conditions(property_name="plan", property_value="Silver"), False),
        (Conditions(property_name="brand", property_value="Gold"), False),
        (Conditions(property_name="vip", property_value="true"), True),
        (Conditions(property_name="seats", property_value="12"), True),
        (Conditions(property_name="regions", property_value="us"), True),
        (Conditions(property_name="regions", property_value="APAC"), False),
        (Conditions(tag="vip"), True),
        (Conditions(tag="refund"), True),
        (Conditions(tag="urgent"), False),
        (Conditions(channel="chat", tag="vip", locale="fr"), True),
        (Conditions(channel="chat", tag="urgent"), False),
    ],
)
def test_each_condition(conditions: Conditions, matches: bool) -> None:
    assert conditions.matches(CONTACT) is matches


def test_a_contact_without_the_value_never_matches_a_condition_on_it() -> None:
    bare = Contact()
    for conditions in [
        Conditions(channel="chat"),
        Conditions(team="Billing"),
        Conditions(source="api"),
        Conditions(locale="fr"),
        Conditions(property_name="plan", property_value="Gold"),
        Conditions(tag="vip"),
    ]:
        assert not conditions.matches(bare)
    # An object property is never compared.
    assert not Conditions(property_name="plan", property_value="{}").matches(
        Contact(properties={"plan": {}})
    )


def rule(rule_id: int, survey_id: int, **conditions: str) -> Rule:
    return Rule(rule_id, survey_id, Conditions(**conditions))


def test_the_first_matching_rule_wins_and_none_means_the_default() -> None:
    rules = [rule(7, 1, channel="email"), rule(3, 2, tag="vip"), rule(5, 3, channel="chat")]
    chosen = first_match(rules, CONTACT)
    assert chosen is not None
    assert (chosen.rule.id, chosen.survey_id, chosen.position) == (3, 2, 2)
    assert first_match(rules, Contact(channel="phone")) is None
    assert first_match([], CONTACT) is None


def test_a_rule_describes_its_conditions() -> None:
    conditions = Conditions(
        channel="chat", locale="fr", property_name="plan", property_value="Gold", tag="vip"
    )
    assert conditions.described() == (
        "channel is 'chat' and locale is 'fr' and property plan is 'Gold' and tagged 'vip'"
    )


def test_check_conditions_trims_and_drops_blanks() -> None:
    assert check_conditions(channel="  chat ", team="", tag=None) == Conditions(channel="chat")


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({}, "channel", "a rule needs at least one condition"),
        ({"team": "   "}, "channel", "a rule needs at least one condition"),
        ({"channel": "x" * 201}, "channel", "must be at most 200 characters"),
        ({"locale": "french!"}, "locale", "must be a language tag such as en, fr or pt-BR"),
        ({"property_name": "plan"}, "property_value", "is required with the other half"),
        ({"property_value": "Gold"}, "property_name", "is required with the other half"),
    ],
)
def test_check_conditions_refuses_naming_the_field(raw: dict, field: str, message: str) -> None:
    with pytest.raises(InvalidRoutingRule) as refused:
        check_conditions(**raw)
    assert refused.value.field == field
    assert refused.value.message.startswith(message)


LABELS = st.sampled_from(["chat", "email", "Billing", "vip", "fr", "Gold"])
CONDITIONS = st.builds(
    Conditions,
    channel=st.none() | LABELS,
    team=st.none() | LABELS,
    tag=st.none() | LABELS,
    locale=st.none() | st.sampled_from(["fr", "en", "fr-CA"]),
)
CONTACTS = st.builds(
    Contact,
    channel=st.none() | LABELS,
    team=st.none() | LABELS,
    locale=st.none() | st.sampled_from(["fr", "en-GB", "fr-CA"]),
    tags=st.lists(LABELS, max_size=3).map(tuple),
)


@PROPERTIES
@given(rules=st.lists(CONDITIONS, max_size=6), contact=CONTACTS)
def test_the_chosen_rule_is_the_first_that_matches(
    rules: list[Conditions], contact: Contact
) -> None:
    numbered = [Rule(n, 100 + n, conditions) for n, conditions in enumerate(rules)]
    chosen = first_match(numbered, contact)
    matching = [r for r in numbered if r.conditions.matches(contact)]
    if not matching:
        assert chosen is None
    else:
        assert chosen is not None
        assert chosen.rule == matching[0]
        assert chosen.position == numbered.index(matching[0]) + 1


@PROPERTIES
@given(conditions=CONDITIONS, contact=CONTACTS)
def test_case_and_spacing_never_change_a_match(conditions: Conditions, contact: Contact) -> None:
    shouted = Contact(
        channel=f"  {contact.channel.upper()} " if contact.channel else None,
        team=contact.team.upper() if contact.team else None,
        locale=contact.locale.upper() if contact.locale else None,
        tags=tuple(tag.upper() for tag in contact.tags),
    )
    assert conditions.matches(shouted) is conditions.matches(contact)
