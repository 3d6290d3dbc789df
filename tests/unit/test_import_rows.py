"""Reading one row of an import: the column map, dates in common formats, each bad value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from surveys import SurveyKind, channels
from surveys.imports import ImportRow, RowError, parse_datetime, parse_mapping, parse_row

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MAP = {"score": "s", "submitted_at": "d", "channel": "c", "source_id": "id", "team": "t"}


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2024-03-31", False, datetime(2024, 3, 31, tzinfo=UTC)),
        ("2024-03-31T14:05:00Z", False, datetime(2024, 3, 31, 14, 5, tzinfo=UTC)),
        ("2024-03-31t14:05:00z", False, datetime(2024, 3, 31, 14, 5, tzinfo=UTC)),
        ("2024-03-31 16:05:00+02:00", False, datetime(2024, 3, 31, 14, 5, tzinfo=UTC)),
        ("2024/03/31", False, datetime(2024, 3, 31, tzinfo=UTC)),
        ("31.03.2024 14:05", False, datetime(2024, 3, 31, 14, 5, tzinfo=UTC)),
        ("03/04/2024", False, datetime(2024, 3, 4, tzinfo=UTC)),
        ("03/04/2024", True, datetime(2024, 4, 3, tzinfo=UTC)),
        ("03/04/24 07:30:15", True, datetime(2024, 4, 3, 7, 30, 15, tzinfo=UTC)),
    ],
)
def test_dates_in_common_formats(text: str, day_first: bool, expected: datetime) -> None:
    assert parse_datetime(text, day_first=day_first) == expected


@pytest.mark.parametrize("text", ["31/03/2024", "2024-02-30", "yesterday", "12"])
def test_dates_that_are_not_dates(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        parse_datetime(text)


def test_mapping() -> None:
    assert parse_mapping(" score = rating , source_id=ticket,") == {
        "score": "rating",
        "source_id": "ticket",
    }
    with pytest.raises(ValueError, match="field 'score' is mapped twice"):
        parse_mapping("score=a,score=b")


def row(**cells: str) -> ImportRow:
    return parse_row(SurveyKind.NPS, 7, cells, MAP, default_time=NOW, now=NOW)


def test_a_good_row() -> None:
    assert row(s="9.0", d="2026-01-02", c="Chat", id="X1", t="Sales") == ImportRow(
        line=7,
        score=9,
        submitted_at=datetime(2026, 1, 2, tzinfo=UTC),
        channel=channels.CHAT,
        agent=None,
        team="Sales",
        comment="",
        email=None,
        source_id="X1",
    )


def test_missing_cells_take_the_defaults() -> None:
    parsed = row(s="0", d="NA", c="", id="null", t="N/A")
    assert (parsed.score, parsed.submitted_at, parsed.channel, parsed.source_id, parsed.team) == (
        0,
        NOW,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"s": "na"}, "the score is missing"),
        ({"s": "-1"}, "score '-1': the score must be between 0 and 10"),
        ({"s": "ten"}, "score 'ten': the score must be a whole number"),
        ({"s": "5", "id": "x" * 201}, "source_id is longer than 200 characters"),
        ({"s": "5", "t": "y" * 201}, "team is longer than 200 characters"),
    ],
)
def test_bad_rows_say_why(cells: dict[str, str], message: str) -> None:
    with pytest.raises(RowError) as error:
        row(**cells)
    assert error.value.message == message
