"""Reading numbers and days from URLs and query strings without trusting them.

``int("²")`` raises, ``int("٣")`` is 3, ``int("9" * 5000)`` raises, and a number that does fit
in Python may not fit the database's columns (SQLite refuses to bind it at all). So every id,
page and day a visitor types is read here, to what a column and a date can hold, or refused.
"""

from __future__ import annotations

import re
from datetime import date

from werkzeug.routing import IntegerConverter, ValidationError

#: The largest id an ``integer`` column holds (PostgreSQL's, the smaller of the two).
MAX_ID = 2**31 - 1
#: The last page a listing goes to; far past any real listing, its offset fits any column.
MAX_PAGE = 100_000
#: The days a filter or an input may name: wide enough for any history, narrow enough that
#: a period and the one before it (up to ten years each), or a repeat-contact window, never
#: leave the calendar Python can count; no earlier than Unix time, which API clients count in.
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2999, 12, 31)

_DIGITS = re.compile(r"[0-9]+")


def whole_number(raw: str | None, maximum: int = MAX_ID) -> int | None:
    """``raw`` as a whole number from 1 to ``maximum`` if it is written in ASCII digits, else
    None."""
    if raw is None or not _DIGITS.fullmatch(raw) or len(raw) > len(str(maximum)):
        return None
    number = int(raw)
    return number if 0 < number <= maximum else None


def digits_up_to(maximum: int) -> str:
    """A regular expression for the whole numbers 1 to ``maximum`` in ASCII digits (no leading
    zeros), and nothing else.

    Werkzeug checks a rule's methods before its converter reads the value, so a value the
    pattern lets through and the converter refuses makes a path that another method routes
    answer 405 instead of 404. The pattern is exact so the converter never has to refuse.
    """
    text = str(maximum)
    shorter = [f"[1-9][0-9]{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    same_length = [
        f"{text[:i]}[{low}-{int(digit) - 1}][0-9]{{{len(text) - i - 1}}}"
        for i, digit in enumerate(text)
        if int(digit) > (low := 1 if i == 0 else 0)
    ]
    return f"(?:{'|'.join([*shorter, *same_length, text])})"


class IdConverter(IntegerConverter):
    """``<int:…>`` in our URLs: an id in ASCII digits that a column can hold, else no match (a
    404), never an overflow in the database."""

    def __init__(self, map: object, *args: object, **kwargs: object) -> None:
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]
        self.regex = digits_up_to(self.max or MAX_ID)

    def to_python(self, value: str) -> int:
        number = whole_number(value, self.max or MAX_ID)
        if number is None:
            raise ValidationError()
        return number
