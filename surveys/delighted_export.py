"""Reading a Delighted account's data: the CSV files of its export, or the JSON a script
dumped with its client (``{"people": [...], "unsubscribes": [...], "bounces": [...],
"survey_responses": [...]}``, each item as the API answered it).

A CSV file is recognised by its columns, named as Delighted named them in any case and
spacing (``Response ID``, ``Person ID``, ``Score``, ``Unsubscribed At``…); its other columns
are the person's properties, as the export wrote one column per property. Times are Unix
seconds or dates (``2026-03-02 09:00:00 UTC``). Each check raises ``RowError`` naming the
field, and the importer reports it with the row's place and goes on.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from surveys.imports import EMAIL, MISSING, RowError, parse_datetime, parse_score
from surveys.kinds import SurveyKind

#: The longest Delighted id, name and tag kept.
ID_LENGTH = 40
NAME_LENGTH = 200
TAG_LENGTH = 100
DIGITS = re.compile(r"^[0-9]{1,12}$")


class Section(enum.StrEnum):
    """What a file holds, in the order an import stores them: people before the opt-outs
    and answers that name them."""

    PEOPLE = "people"
    UNSUBSCRIBES = "unsubscribes"
    BOUNCES = "bounces"
    SURVEY_RESPONSES = "survey_responses"


#: Other names of each field in Delighted's exports, as ``column_name`` reads them.
ALIASES = {
    "response_id": "id",
    "person": "person_id",
    "person_email": "email",
    "person_name": "name",
    "date": "created_at",
    "response_date": "created_at",
    "last_updated": "updated_at",
}
#: The fields of each section; in a CSV file, every other column is a property.
FIELDS = {
    Section.PEOPLE: {"id", "person_id", "email", "name", "created_at", "properties"},
    Section.UNSUBSCRIBES: {"person_id", "email", "name", "unsubscribed_at"},
    Section.BOUNCES: {"person_id", "email", "name", "bounced_at"},
    Section.SURVEY_RESPONSES: {
        "id", "person_id", "email", "name", "survey_type", "score", "comment", "created_at",
        "updated_at", "tags", "notes", "person_properties",
    },
}  # fmt: skip
#: Columns of Delighted's that are neither a field we keep nor a property.
IGNORED = {
    "phone_number", "last_sent_at", "last_responded_at", "next_survey_scheduled_at",
    "permalink", "additional_answers", "channel",
}  # fmt: skip


def column_name(header: str) -> str:
    """A column's header as a field name: ``Response ID`` reads ``id``."""
    name = re.sub(r"[\s\-]+", "_", header.strip().lower())
    return ALIASES.get(name, name)


def section_of(headers: list[str]) -> Section | None:
    """What a CSV file with these headers holds, or None when it is none of Delighted's."""
    names = {column_name(header) for header in headers}
    if "score" in names:
        return Section.SURVEY_RESPONSES
    if "unsubscribed_at" in names:
        return Section.UNSUBSCRIBES
    if "bounced_at" in names:
        return Section.BOUNCES
    if "email" in names:
        return Section.PEOPLE
    return None


@dataclass(frozen=True)
class Who:
    """A person as a row names them: by Delighted id, by email, or both."""

    delighted_id: str | None
    email: str | None
    name: str | None = None


@dataclass(frozen=True)
class PersonRow:
    place: str
    who: Who
    created_at: datetime | None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OptOutRow:
    """An unsubscribe or a bounce, and when."""

    place: str
    who: Who
    at: datetime


@dataclass(frozen=True)
class ResponseRow:
    place: str
    delighted_id: str
    who: Who
    kind: SurveyKind
    score: int
    comment: str
    created_at: datetime
    updated_at: datetime
    properties: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    #: ``{"id", "text", "user_email", "created_at"}`` each, oldest first.
    notes: tuple[dict[str, Any], ...] = ()


Row = PersonRow | OptOutRow | ResponseRow


def _value(value: Any) -> Any:
    """A CSV cell or a JSON value, None when it says "no value"."""
    if isinstance(value, str):
        value = value.strip()
        return None if value.lower() in MISSING else value
    return value


def _text(record: Mapping[str, Any], name: str, limit: int) -> str | None:
    value = _value(record.get(name))
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(f"{name}: must be text", name)
    text = str(value)
    if len(text) > limit:
        raise RowError(f"{name}: is longer than {limit} characters", name)
    return text


def _time(record: Mapping[str, Any], name: str, now: datetime) -> datetime | None:
    value = _value(record.get(name))
    if value is None:
        return None
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            when = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str) and DIGITS.match(value):
            when = datetime.fromtimestamp(int(value), UTC)
        elif isinstance(value, str):
            when = parse_datetime(value.removesuffix(" UTC").removesuffix(" +0000"))
        else:
            raise ValueError(f"{value!r} is not a time")
    except (ValueError, OverflowError, OSError) as error:
        raise RowError(f"{name}: {error}", name) from None
    if when > now:
        raise RowError(f"{name}: {value!r} is in the future", name)
    return when


def _required_time(record: Mapping[str, Any], name: str, now: datetime) -> datetime:
    when = _time(record, name, now)
    if when is None:
        raise RowError(f"{name}: is missing", name)
    return when


def _who(record: Mapping[str, Any], id_field: str = "person_id") -> Who:
    person = _value(record.get(id_field))
    email = _value(record.get("email"))
    name = _value(record.get("name"))
    if isinstance(person, dict):  # a person expanded, as expand[]=person gives it
        email, name = person.get("email", email), person.get("name", name)
        person = _value(person.get("id"))
    expanded = {id_field: person, "email": email, "name": name}
    delighted_id = _text(expanded, id_field, ID_LENGTH)
    address = _text(expanded, "email", 320)
    if address is not None and not EMAIL.match(address):
        raise RowError(f"email: {address!r} is not an email address", "email")
    if delighted_id is None and address is None:
        raise RowError(f"{id_field}: is missing, and so is email", id_field)
    return Who(delighted_id, address.lower() if address else None, _text(expanded, "name", 200))


def _properties(record: Mapping[str, Any], section: Section, from_csv: bool) -> dict[str, Any]:
    if not from_csv:
        name = "person_properties" if section is Section.SURVEY_RESPONSES else "properties"
        value = record.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise RowError(f"{name}: must be an object", name)
        return dict(value)
    known = FIELDS[section] | IGNORED
    return {
        header.strip(): cell
        for header, value in record.items()
        if header is not None
        and column_name(header) not in known
        and (cell := _value(value)) is not None
    }


def _tags(value: Any) -> tuple[str, ...]:
    value = _value(value)
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise RowError("tags: must be a list of texts", "tags")
    tags = tuple(dict.fromkeys(item.strip() for item in items if item.strip()))
    if any(len(tag) > TAG_LENGTH for tag in tags):
        raise RowError(f"tags: a tag is longer than {TAG_LENGTH} characters", "tags")
    return tags


def _notes(value: Any, response_id: str, at: datetime, now: datetime) -> tuple[dict[str, Any], ...]:
    """Notes as the API gave them (objects), or as the export wrote them: one a line."""
    value = _value(value)
    if value is None:
        return ()
    if isinstance(value, str):
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        value = [{"id": f"{response_id}-{n}", "text": line} for n, line in enumerate(lines, 1)]
    if not isinstance(value, list) or not all(isinstance(note, dict) for note in value):
        raise RowError("notes: must be a list of notes", "notes")
    notes = []
    for note in value:
        text = _value(note.get("text"))
        if not isinstance(text, str):
            raise RowError("notes: a note has no text", "notes")
        when = _time(note, "created_at", now) or at
        notes.append(
            {
                "id": str(note.get("id") or f"{response_id}-{len(notes) + 1}"),
                "text": text,
                "user_email": str(note.get("user_email") or ""),
                "created_at": int(when.timestamp()),
            }
        )
    return tuple(notes)


def _kind(record: Mapping[str, Any]) -> SurveyKind:
    value = _value(record.get("survey_type"))
    if value is None:
        return SurveyKind.NPS
    try:
        return SurveyKind(str(value).lower())
    except ValueError:
        names = ", ".join(kind.value for kind in SurveyKind)
        raise RowError(
            f"survey_type: {value!r} is not one of ours ({names})", "survey_type"
        ) from None


def parse_record(
    section: Section, place: str, record: Mapping[str, Any], now: datetime, *, from_csv: bool
) -> Row:
    """Check one record of ``section``: a CSV row by its headers, or an item of the JSON."""
    raw = record
    record = {column_name(name): value for name, value in raw.items() if name}
    if section is Section.PEOPLE:
        person_field = "id" if _value(record.get("id")) is not None else "person_id"
        return PersonRow(
            place,
            _who(record, person_field),
            _time(record, "created_at", now),
            _properties(raw, section, from_csv),
        )
    if section is not Section.SURVEY_RESPONSES:
        at_field = "unsubscribed_at" if section is Section.UNSUBSCRIBES else "bounced_at"
        return OptOutRow(place, _who(record), _required_time(record, at_field, now))
    delighted_id = _text(record, "id", ID_LENGTH)
    if delighted_id is None:
        raise RowError("id: is missing", "id")
    kind = _kind(record)
    score = _value(record.get("score"))
    created_at = _required_time(record, "created_at", now)
    comment = _value(record.get("comment"))
    if comment is not None and not isinstance(comment, str):
        raise RowError("comment: must be text", "comment")
    value = parse_score(kind, None if score is None else str(score))
    return ResponseRow(
        place,
        delighted_id,
        _who(record),
        kind,
        value,
        comment or "",
        created_at,
        _time(record, "updated_at", now) or created_at,
        _properties(raw, section, from_csv),
        _tags(record.get("tags")),
        _notes(record.get("notes"), delighted_id, created_at, now),
    )
