"""Which survey a contact goes to: a kind's routing rules in order, the first that matches
wins, else the kind's default survey.

A rule holds up to six conditions and matches when all those it holds do. Text is compared
with case and spacing ignored, as the helpdesks' own labels vary in both; a locale rule
``fr`` matches ``fr``, ``fr-CA`` and ``fr_FR``, one for ``pt-BR`` only that.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

from surveys.errors import DomainError

#: The longest value a condition may hold.
MAX_VALUE = 200
#: A language tag such as ``en``, ``fr-CA`` or ``zh-Hant-TW``.
LOCALE_RE = re.compile(r"[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*")


class InvalidRoutingRule(DomainError):
    """A rule with no condition, or a condition that no contact could meet."""


@dataclass(frozen=True)
class Contact:
    """What rules look at: the interaction and its customer; an NPS enrolment has only the
    customer (locale and properties) and its source."""

    channel: str | None = None
    team: str | None = None
    #: ``api`` or a connector's id.
    source: str | None = None
    locale: str | None = None
    properties: Mapping[str, object] = field(default_factory=dict)
    tags: Sequence[str] = ()


@dataclass(frozen=True)
class Conditions:
    """A rule's conditions; None means any. ``property_name`` and ``property_value`` go
    together: the customer property ``plan`` is ``Gold``."""

    channel: str | None = None
    team: str | None = None
    source: str | None = None
    locale: str | None = None
    property_name: str | None = None
    property_value: str | None = None
    tag: str | None = None

    def matches(self, contact: Contact) -> bool:
        return (
            _same(self.channel, contact.channel)
            and _same(self.team, contact.team)
            and _same(self.source, contact.source)
            and _locale_matches(self.locale, contact.locale)
            and _property_matches(self.property_name, self.property_value, contact.properties)
            and (self.tag is None or any(_same(self.tag, tag) for tag in contact.tags))
        )

    def described(self) -> str:
        """The conditions in words, as the admin page and the API answer show them."""
        parts = [
            f"{name} is {value!r}"
            for name, value in (
                ("channel", self.channel),
                ("team", self.team),
                ("source", self.source),
                ("locale", self.locale),
            )
            if value is not None
        ]
        if self.property_name is not None:
            parts.append(f"property {self.property_name} is {self.property_value!r}")
        if self.tag is not None:
            parts.append(f"tagged {self.tag!r}")
        return " and ".join(parts)


def check_conditions(**raw: str | None) -> Conditions:
    """``Conditions`` from form values: trimmed, blanks as absent; ``InvalidRoutingRule``
    naming the field for a value too long, a bad locale, a property half given, or none."""
    values: dict[str, str | None] = {}
    for name in (f.name for f in fields(Conditions)):
        value = (raw.get(name) or "").strip() or None
        if value is not None and len(value) > MAX_VALUE:
            raise InvalidRoutingRule(f"must be at most {MAX_VALUE} characters", name)
        values[name] = value
    if values["locale"] is not None and not LOCALE_RE.fullmatch(values["locale"]):
        raise InvalidRoutingRule("must be a language tag such as en, fr or pt-BR", "locale")
    if (values["property_name"] is None) != (values["property_value"] is None):
        missing = "property_name" if values["property_name"] is None else "property_value"
        raise InvalidRoutingRule("is required with the other half of the property", missing)
    conditions = Conditions(**values)
    if conditions == Conditions():
        raise InvalidRoutingRule("a rule needs at least one condition", "channel")
    return conditions


@dataclass(frozen=True)
class Rule:
    id: int
    survey_id: int
    conditions: Conditions


@dataclass(frozen=True)
class Route:
    """The rule that chose the survey, and its place in its kind's order (from 1)."""

    rule: Rule
    position: int

    @property
    def survey_id(self) -> int:
        return self.rule.survey_id


def first_match(rules: Sequence[Rule], contact: Contact) -> Route | None:
    """The first of ``rules`` (in order) that matches ``contact``; None sends it to its
    kind's default survey."""
    for position, rule in enumerate(rules, start=1):
        if rule.conditions.matches(contact):
            return Route(rule, position)
    return None


def fold(value: str) -> str:
    """A label as rules compare it: lower-cased, runs of spaces as one."""
    return " ".join(value.lower().split())


def _same(wanted: str | None, actual: str | None) -> bool:
    return wanted is None or (actual is not None and fold(wanted) == fold(actual))


def _locale_matches(wanted: str | None, actual: str | None) -> bool:
    if wanted is None:
        return True
    if actual is None:
        return False
    wanted, actual = fold(wanted).replace("_", "-"), fold(actual).replace("_", "-")
    return actual == wanted or actual.startswith(wanted + "-")


def _property_matches(
    name: str | None, wanted: str | None, properties: Mapping[str, object]
) -> bool:
    if name is None or wanted is None:
        return True
    values = [value for key, value in properties.items() if fold(key) == fold(name)]
    for value in values:
        items = value if isinstance(value, list) else [value]
        if any(_same(wanted, _as_text(item)) for item in items):
            return True
    return False


def _as_text(value: object) -> str | None:
    """A property's value as rules compare it: JSON's ``true`` as ``true``; objects never
    match."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None
