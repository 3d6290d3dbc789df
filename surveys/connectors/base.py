"""What every helpdesk connector shares: the facts a delivery yields, signatures, field types.

A connector is two pure functions of what arrived: ``verify(headers, body, secret, now)``
raises ``Unverified`` unless the raw body was signed with ``secret``, and ``parse(payload,
headers)`` turns the decoded JSON into ``InteractionFacts``, an ``Ignored`` event, or raises
``Rejected`` naming each bad field. Headers come with lower-case names.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AliasChoices,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

#: How far a signed timestamp may be from now (Zendesk and Front say five minutes).
TIMESTAMP_TOLERANCE = timedelta(minutes=5)
#: Postgres ``integer`` columns hold at most this.
MAX_INT = 2**31 - 1
#: A BCP 47 language tag, loosely: ``fr``, ``pt-BR``, ``zh-Hant-TW``.
LOCALE_RE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
#: Statuses that mean solved, in the words of the helpdesks whose body the admin writes.
SOLVED_STATUSES = frozenset({"solved", "closed", "resolved"})


class Unverified(Exception):
    """The delivery is not signed with the connector's secret; the message says why."""


class Rejected(Exception):
    """The payload cannot become an interaction; ``errors`` maps each bad field to why."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {value}" for key, value in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Ignored:
    """A genuine delivery that is not a solve or close: answered 2xx, recorded with ``reason``."""

    reason: str


@dataclass(frozen=True)
class InteractionFacts:
    """A solved ticket as a helpdesk describes it, before it is stored."""

    ticket_id: str
    #: Lower-cased and checked; None only when ``lookup`` still has to find it (Intercom).
    customer_email: str | None
    customer_name: str | None = None
    customer_locale: str | None = None
    customer_external_id: str | None = None
    customer_properties: Mapping[str, Any] | None = None
    agent_email: str | None = None
    agent_name: str | None = None
    team: str | None = None
    #: The helpdesk's own name for the channel, kept as sent (``web``, ``phone``, ``7``).
    channel: str | None = None
    tags: tuple[str, ...] = ()
    opened_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    handle_seconds: int | None = None
    first_contact_resolved: bool | None = None
    #: ``csat``, ``ces`` or ``none`` when the body names the survey itself.
    survey: str | None = None
    delay_seconds: int | None = None
    #: The helpdesk's id of this delivery or event, when it sends one.
    delivery_id: str | None = None
    #: Ids to look up through the helpdesk's API (Intercom sends nothing else).
    contact_id: str | None = None
    admin_id: str | None = None
    team_id: str | None = None


#: ``get(path)``: the JSON object the helpdesk's REST API answers for ``path``.
Fetch = Callable[[str], Mapping[str, Any]]


@dataclass(frozen=True)
class Connector:
    """One helpdesk: how its deliveries are verified and read, and what the admin is told."""

    type: str
    label: str
    verify: Callable[[Mapping[str, str], bytes, str, datetime], None]
    parse: Callable[[Any, Mapping[str, str]], InteractionFacts | Ignored]
    #: True when the helpdesk issues the secret (the admin copies it to us), False when we
    #: make one that the admin pastes into the helpdesk.
    issues_secret: bool
    #: Our interaction JSON with the helpdesk's placeholders, for helpdesks whose body the
    #: admin writes.
    body_template: str | None = None
    #: The answer to a set-up challenge, if the headers carry one (Front).
    challenge: Callable[[Mapping[str, str]], str | None] | None = None
    #: Fills in what the payload only names by id, through the helpdesk's API.
    lookup: Callable[[InteractionFacts, Fetch], InteractionFacts] | None = None
    #: Settings this helpdesk needs besides the secret, e.g. ``("access_token", "api_url")``.
    settings: Sequence[str] = field(default_factory=tuple)


# --- signatures -------------------------------------------------------------------------


def hmac_digest(secret: str, message: bytes, algorithm: str) -> bytes:
    return hmac.new(secret.encode(), message, algorithm).digest()


def base64_hmac(secret: str, message: bytes, algorithm: str) -> str:
    return base64.b64encode(hmac_digest(secret, message, algorithm)).decode()


def hub_signature(secret: str, body: bytes) -> str:
    """``sha1=`` and the hex HMAC-SHA1 of ``body``, as Intercom and Zammad sign."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def require_header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name, "").strip()
    if not value:
        raise Unverified(f"the {name} header is missing")
    return value


def check_signature(given: str, expected: Sequence[str]) -> None:
    """Accept ``given`` if it equals one of ``expected``, compared in constant time."""
    matches = [hmac.compare_digest(given.encode(), value.encode()) for value in expected]
    if not any(matches):
        raise Unverified("the signature does not match the secret")


def check_fresh(signed_at: datetime, now: datetime) -> None:
    """A signed timestamp more than five minutes from ``now`` is a replay or a stale retry."""
    if abs(now - signed_at) > TIMESTAMP_TOLERANCE:
        raise Unverified(
            f"the signed timestamp {signed_at.isoformat()} is more than five minutes from now"
        )


# --- payload field types ----------------------------------------------------------------


class Payload(BaseModel):
    """A vendor payload: unknown keys ignored, nothing stored but what the fields declare."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def parsed(model: type[Payload], payload: Any, prefix: str = "") -> Any:
    """``payload`` read as ``model``, or ``Rejected`` naming every bad field (dotted)."""
    if not isinstance(payload, dict):
        raise Rejected({prefix.rstrip(".") or "body": "must be a JSON object"})
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise Rejected(
            {
                prefix + ".".join(str(part) for part in problem["loc"]): problem[
                    "msg"
                ].removeprefix("Value error, ")
                for problem in error.errors(include_url=False)
            }
        ) from None


def _text(value: Any) -> Any:
    """Strings stripped, blank as absent; numbers as their digits (ids are often numbers)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value.strip() or None
    return value


def _length(limit: int) -> Callable[[str | None], str | None]:
    def check(value: str | None) -> str | None:
        if value is not None and len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value

    return check


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(f"is not a valid email address: {error}") from None


def _locale(value: str | None) -> str | None:
    """A language tag, or nothing: a helpdesk that renders a language's name (``English``)
    instead of its code should not cost the survey, only the customer's language."""
    return value if value is not None and LOCALE_RE.fullmatch(value) else None


def _utc_suffix(value: Any) -> Any:
    """``2026-03-02 09:00:00 UTC``, as some helpdesks render times, read as ISO 8601."""
    if isinstance(value, str) and value.strip().endswith(" UTC"):
        return value.strip()[: -len(" UTC")] + "+00:00"
    return value


def _utc(value: datetime | None) -> datetime | None:
    try:
        return None if value is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


#: A stripped string of at most 200 characters (ids given as numbers become strings);
#: blank is absent.
Text = Annotated[str | None, BeforeValidator(_text), AfterValidator(_length(200))]
#: The same, required: a ticket's id.
Id = Annotated[str, BeforeValidator(_text), AfterValidator(_length(200))]
#: An email address, checked (syntax only) and lower-cased.
Email = Annotated[
    str | None, BeforeValidator(_text), AfterValidator(_length(320)), AfterValidator(_email)
]
Locale = Annotated[str | None, BeforeValidator(_text), AfterValidator(_locale)]
#: A date-time with a UTC offset (or Unix seconds), in UTC.
Time = Annotated[
    AwareDatetime | None,
    BeforeValidator(_text),
    BeforeValidator(_utc_suffix),
    AfterValidator(_utc),
]


def spellings(word: str) -> tuple[str, ...]:
    """``first``, ``firstName``, ``first_name`` and ``firstname``."""
    return (word, f"{word}Name", f"{word}_name", f"{word}name")


class Person(Payload):
    """Someone as helpdesks describe them: an email and a first and last name, however the
    helpdesk spells those keys."""

    email: Email = None
    first: Text = Field(
        None, validation_alias=AliasChoices("first", "firstName", "first_name", "firstname")
    )
    last: Text = Field(
        None, validation_alias=AliasChoices("last", "lastName", "last_name", "lastname")
    )

    @property
    def name(self) -> str | None:
        return " ".join(part for part in (self.first, self.last) if part) or None


class Named(Payload):
    """A group, team or tag: only its name matters."""

    name: Text = None


def solved_status(status: str | None) -> Ignored | None:
    """An ``Ignored`` unless ``status`` is absent or says solved, closed or resolved."""
    if status is None or status.strip().lower() in SOLVED_STATUSES:
        return None
    return Ignored(f"the ticket's status is {status.strip()[:40]!r}, not solved or closed")


def tags_of(value: Any) -> tuple[str, ...]:
    """Tags from a list, or from one string separated by commas or spaces (as placeholders
    render them)."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else re.split(r"[,\s]+", str(value))
    return tuple(str(item).strip() for item in items if str(item).strip())


def require_email(facts: InteractionFacts, field_name: str) -> InteractionFacts:
    """``facts``, or ``Rejected`` naming ``field_name`` when the customer has no email."""
    if facts.customer_email is None:
        raise Rejected({field_name: "is required: the survey goes to this address"})
    return facts


def _folded(values: Sequence[str]) -> set[str]:
    return {" ".join(value.lower().split()) for value in values if value.strip()}


def skip_reason(
    facts: InteractionFacts,
    *,
    tags: Sequence[str] = (),
    teams: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> str | None:
    """Why the connector's conditions skip this ticket, or None; case and spacing ignored."""
    if tagged := sorted(_folded(facts.tags) & _folded(tags)):
        return f"tagged {tagged[0]}"
    if facts.team and _folded([facts.team]) & _folded(teams):
        return f"team {facts.team}"
    if facts.channel and _folded([facts.channel]) & _folded(channels):
        return f"channel {facts.channel}"
    return None
