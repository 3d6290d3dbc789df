"""Reading history exported by other survey tools: the column map and each row's checks.

Every check returns a clean value or raises ``RowError`` with a reason a person can act on;
the importer reports it with the row's line number and carries on with the next row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from surveys.channels import MAX_LENGTH as CHANNEL_LENGTH
from surveys.errors import DomainError, InvalidScore
from surveys.kinds import SurveyKind, validate_score

#: The fields a column can be mapped to; ``score`` is required.
FIELDS = ("score", "submitted_at", "channel", "agent", "team", "comment", "email", "source_id")
#: Cell values that mean "no value" in exports (R, spreadsheets, databases).
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none"})
#: A whole number written as a float, as spreadsheets export ratings ("4.0").
WHOLE_FLOAT = re.compile(r"^-?\d+\.0*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: The longest value each text field's column holds.
LENGTH_LIMITS = {
    "source_id": 200,
    "team": 200,
    "agent": 320,
    "email": 320,
    "channel": CHANNEL_LENGTH,
}


class RowError(DomainError):
    """A row that cannot be imported, and why."""


def parse_mapping(text: str) -> dict[str, str]:
    """Parse ``score=COL,submitted_at=COL,...`` into {field: column}; raise ValueError if bad."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, column = part.partition("=")
        name, column = name.strip(), column.strip()
        if not sep or not column:
            raise ValueError(f"{part!r} must look like FIELD=COLUMN")
        if name not in FIELDS:
            raise ValueError(f"unknown field {name!r}; expected one of {', '.join(FIELDS)}")
        if name in mapping:
            raise ValueError(f"field {name!r} is mapped twice")
        mapping[name] = column
    if "score" not in mapping:
        raise ValueError("map the score column, e.g. score=rating")
    return mapping


def missing_columns(mapping: Mapping[str, str], header: list[str]) -> list[str]:
    """The mapped columns that the file's header does not have."""
    return [column for column in mapping.values() if column not in header]


@dataclass(frozen=True)
class ImportRow:
    """One row, checked: ready to become a response."""

    line: int
    score: int
    submitted_at: datetime
    #: As the file names it; the importer gives it its label.
    channel: str | None
    agent: str | None
    team: str | None
    comment: str
    email: str | None
    source_id: str | None


def cell(record: Mapping[str, str | None], mapping: Mapping[str, str], name: str) -> str | None:
    """The stripped value of field ``name``, or None when unmapped or missing."""
    column = mapping.get(name)
    if column is None:
        return None
    value = (record.get(column) or "").strip()
    return None if value.lower() in MISSING else value


def parse_score(kind: SurveyKind, value: str | None) -> int:
    """The score on ``kind``'s scale; "4.0" reads as 4, "4.5" and off-scale values fail."""
    if value is None:
        raise RowError("the score is missing", "score")
    text = value.split(".")[0] if WHOLE_FLOAT.match(value) else value
    try:
        return validate_score(kind, text)
    except InvalidScore as error:
        raise RowError(f"score {value!r}: {error.message}", "score") from None


DATE_FORMATS_MONTH_FIRST = ("%m/%d/%Y", "%m/%d/%y")
DATE_FORMATS_DAY_FIRST = ("%d/%m/%Y", "%d/%m/%y")
DATE_FORMATS_ANY = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y")
TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S")


def parse_datetime(value: str, *, day_first: bool = False) -> datetime:
    """An aware UTC datetime from ISO 8601 or a common spreadsheet format; else ValueError.

    Times without an offset are taken as UTC. Slashed dates are month first (03/31/2024)
    unless ``day_first`` (31/03/2024): the file cannot say which, so the caller must.
    """
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        dates = DATE_FORMATS_DAY_FIRST if day_first else DATE_FORMATS_MONTH_FIRST
        for date_format in (*dates, *DATE_FORMATS_ANY):
            for suffix in TIME_SUFFIXES:
                try:
                    parsed = datetime.strptime(value, date_format + suffix)
                except ValueError:
                    continue
                return parsed.replace(tzinfo=UTC)
        raise ValueError(
            f"{value!r} is not a date (expected e.g. 2024-03-31 or 2024-03-31T14:05:00Z)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_row(
    kind: SurveyKind,
    line: int,
    record: Mapping[str, str | None],
    mapping: Mapping[str, str],
    *,
    default_time: datetime,
    now: datetime,
    day_first: bool = False,
) -> ImportRow:
    """Check one CSV record; ``default_time`` dates rows without a date column or value."""
    score = parse_score(kind, cell(record, mapping, "score"))
    when_text = cell(record, mapping, "submitted_at")
    try:
        when = default_time if when_text is None else parse_datetime(when_text, day_first=day_first)
    except ValueError as error:
        raise RowError(f"submitted_at {error}", "submitted_at") from None
    if when > now:
        raise RowError(f"submitted_at {when_text or when.isoformat()!r} is in the future")
    addresses = {}
    for name in ("agent", "email"):
        value = cell(record, mapping, name)
        if value is not None and not EMAIL.match(value):
            raise RowError(f"{name} {value!r} is not an email address", name)
        addresses[name] = value.lower() if value else None
    for name, limit in LENGTH_LIMITS.items():
        value = cell(record, mapping, name)
        if value is not None and len(value) > limit:
            raise RowError(f"{name} is longer than {limit} characters", name)
    return ImportRow(
        line=line,
        score=score,
        submitted_at=when,
        channel=cell(record, mapping, "channel"),
        agent=addresses["agent"],
        team=cell(record, mapping, "team"),
        comment=cell(record, mapping, "comment") or "",
        email=addresses["email"],
        source_id=cell(record, mapping, "source_id"),
    )
