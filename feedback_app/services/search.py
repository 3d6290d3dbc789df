"""Searching staff listings: a typed text found in any of some columns, whatever its case,
the same rows on SQLite as on PostgreSQL ("É" as "é"; see ``feedback_app.text_match``), and
what is typed matched literally (``%``, ``_`` and ``\\`` escaped)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from feedback_app.text_match import contains_text


def containing(text: str, *columns: Any) -> sa.ColumnElement[bool]:
    """Rows where any of ``columns`` holds ``text`` (trimmed); every row for a blank text."""
    wanted = text.strip()
    if not wanted:
        return sa.true()
    return sa.or_(*(contains_text(column, wanted) for column in columns))
