"""Reading interaction history from a helpdesk or call-centre export: the column map and
each row's checks.

A field may join several columns (``opened_at=Date+Time`` reads "2021-01-01 9:12:58").
Every check returns a clean value or raises ``RowError`` naming the field; the importer
reports it as ``line N: field: problem`` and carries on with the next row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from surveys.channels import MAX_LENGTH as CHANNEL_LENGTH
from surveys.errors import InvalidScore
from surveys.imports import EMAIL, MISSING, WHOLE_FLOAT, RowError, parse_datetime
from surveys.kinds import SurveyKind, validate_score

FIELDS = (
    "external_id",
    "customer_email",
    "customer_name",
    "agent",
    "team",
    "channel",
    "topic",
    "opened_at",
    "first_response_at",
    "first_response_seconds",
    "resolved_at",
    "answered",
    "first_contact_resolved",
    "talk_seconds",
    "hold_seconds",
    "after_work_seconds",
    "handle_seconds",
    "rating",
)
DURATIONS = (
    "first_response_seconds",
    "talk_seconds",
    "hold_seconds",
    "after_work_seconds",
    "handle_seconds",
)
TIMES = ("opened_at", "first_response_at", "resolved_at")
#: The longest value of each text field.
LENGTH_LIMITS = {
    "external_id": 200,
    "customer_email": 320,
    "customer_name": 200,
    "agent": 320,
    "team": 200,
    "topic": 200,
    "channel": CHANNEL_LENGTH,
}
#: The longest duration: what a PostgreSQL ``integer`` holds.
MAX_SECONDS = 2**31 - 1
YES = frozenset({"y", "yes", "true", "1"})
NO = frozenset({"n", "no", "false", "0"})
#: ASCII digits only: "٣" is a digit to Python, not to a helpdesk.
CLOCK = re.compile(r"^([0-9]+):([0-5][0-9]):([0-5][0-9])$")
SECONDS = re.compile(r"^[0-9]+$")


def parse_mapping(text: str) -> dict[str, tuple[str, ...]]:
    """Parse ``FIELD=COL,FIELD=COL+COL,...`` into {field: columns}; ValueError if bad."""
    mapping: dict[str, tuple[str, ...]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, columns = part.partition("=")
        name = name.strip()
        joined = tuple(column.strip() for column in columns.split("+"))
        if not sep or not all(joined):
            raise ValueError(f"{part!r} must look like FIELD=COLUMN or FIELD=COLUMN+COLUMN")
        if name not in FIELDS:
            raise ValueError(f"unknown field {name!r}; expected one of {', '.join(FIELDS)}")
        if name in mapping:
            raise ValueError(f"field {name!r} is mapped twice")
        mapping[name] = joined
    if "external_id" not in mapping:
        raise ValueError("map the ticket or call id column, e.g. external_id=id")
    return mapping


def missing_columns(mapping: Mapping[str, tuple[str, ...]], header: list[str]) -> list[str]:
    """The mapped columns that the file's header does not have."""
    return [c for columns in mapping.values() for c in columns if c not in header]


@dataclass(frozen=True)
class InteractionRow:
    """One row, checked: ready to become an interaction (and its rating a response)."""

    line: int
    external_id: str
    customer_email: str | None
    customer_name: str | None
    agent_email: str | None
    agent_name: str | None
    team: str | None
    #: As the file names it (or ``--channel``); the importer gives it its label.
    channel: str | None
    topic: str | None
    opened_at: datetime | None
    first_response_at: datetime | None
    first_response_seconds: int | None
    resolved_at: datetime | None
    answered: bool
    first_contact_resolved: bool | None
    talk_seconds: int | None
    hold_seconds: int | None
    after_work_seconds: int | None
    handle_seconds: int | None
    rating: int | None


def cell(
    record: Mapping[str, str | None], mapping: Mapping[str, tuple[str, ...]], name: str
) -> str | None:
    """The field's value (its columns' values joined by a space), or None when unmapped or
    every column is empty."""
    columns = mapping.get(name)
    if columns is None:
        return None
    parts = [(record.get(column) or "").strip() for column in columns]
    parts = [part for part in parts if part.lower() not in MISSING]
    return " ".join(parts) or None


def parse_duration(name: str, value: str | None) -> int | None:
    """Whole seconds from "143", "143.0" or "0:02:23" (H:MM:SS)."""
    if value is None:
        return None
    text = value.split(".")[0] if WHOLE_FLOAT.match(value) else value
    clock = CLOCK.match(text)
    if clock:
        hours, minutes, seconds = (int(part) for part in clock.groups())
        total = hours * 3600 + minutes * 60 + seconds
    elif SECONDS.match(text):
        total = int(text)
    else:
        raise RowError(f"{name}: {value!r} is not a duration (seconds, or H:MM:SS)", name)
    if total > MAX_SECONDS:
        raise RowError(f"{name}: {value!r} is longer than {MAX_SECONDS} seconds", name)
    return total


def parse_yes_no(name: str, value: str | None) -> bool | None:
    """True or False from Y/N, yes/no, true/false or 1/0 (any case)."""
    if value is None:
        return None
    text = value.lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowError(f"{name}: {value!r} is not yes or no (Y/N, yes/no, true/false, 1/0)", name)


def parse_interaction_row(
    line: int,
    record: Mapping[str, str | None],
    mapping: Mapping[str, tuple[str, ...]],
    *,
    now: datetime,
    channel: str | None = None,
    kind: SurveyKind | None = None,
    day_first: bool = False,
) -> InteractionRow:
    """Check one CSV record; ``channel`` is the channel of rows that name none."""

    def text(name: str) -> str | None:
        return cell(record, mapping, name)

    for name, limit in LENGTH_LIMITS.items():
        value = text(name)
        if value is not None and ("\x00" in value or len(value) > limit):
            problem = "contains a NUL byte" if "\x00" in value else f"is over {limit} characters"
            raise RowError(f"{name}: {problem}", name)
    external_id = text("external_id")
    if external_id is None:
        raise RowError("external_id: is missing", "external_id")
    times: dict[str, datetime | None] = {}
    for name in TIMES:
        value = text(name)
        try:
            times[name] = None if value is None else parse_datetime(value, day_first=day_first)
        except ValueError as error:
            raise RowError(f"{name}: {error}", name) from None
        if times[name] is not None and times[name] > now:  # type: ignore[operator]
            raise RowError(f"{name}: {value!r} is in the future", name)
    opened = times["opened_at"]
    for name in ("first_response_at", "resolved_at"):
        at = times[name]
        if opened is not None and at is not None and at < opened:
            raise RowError(f"{name}: must not be before opened_at", name)
    email = text("customer_email")
    if email is not None and not EMAIL.match(email):
        raise RowError(f"customer_email: {email!r} is not an email address", "customer_email")
    agent = text("agent")
    is_email = agent is not None and EMAIL.match(agent) is not None
    durations = {name: parse_duration(name, text(name)) for name in DURATIONS}
    answered = parse_yes_no("answered", text("answered"))
    return InteractionRow(
        line=line,
        external_id=external_id,
        customer_email=email.lower() if email else None,
        customer_name=text("customer_name"),
        agent_email=agent.lower() if agent and is_email else None,
        agent_name=None if is_email else agent,
        team=text("team"),
        channel=text("channel") or channel,
        topic=text("topic"),
        opened_at=opened,
        first_response_at=times["first_response_at"],
        resolved_at=times["resolved_at"],
        answered=True if answered is None else answered,
        first_contact_resolved=parse_yes_no(
            "first_contact_resolved", text("first_contact_resolved")
        ),
        rating=_rating(kind, text("rating")),
        **durations,  # type: ignore[arg-type]
    )


def _rating(kind: SurveyKind | None, value: str | None) -> int | None:
    if value is None:
        return None
    if kind is None:
        raise RowError("rating: give --kind csat, ces or nps to import ratings", "rating")
    text = value.split(".")[0] if WHOLE_FLOAT.match(value) else value
    try:
        return validate_score(kind, text)
    except InvalidScore as error:
        raise RowError(f"rating: {value!r}: {error.message}", "rating") from None
