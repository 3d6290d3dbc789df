"""Searching staff listings: a typed text found in any of some columns, whatever its case.

PostgreSQL's ``lower`` folds every letter while SQLite's folds ASCII only, so on SQLite the
columns are folded by ``fold_case``, a function each connection is given (see
``feedback_app._configure_sqlite``); both databases then find the same rows, "É" as "é".
What is typed is matched literally: ``%``, ``_`` and ``\\`` are escaped.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from feedback_app.services.triage import escape_like

#: The name of SQLite's Unicode ``lower``.
FOLD_CASE = "fold_case"


class Folded(FunctionElement[str]):
    """A text column in lower case, every letter folded, on either database."""

    type = sa.Text()
    inherit_cache = True


@compiles(Folded)
def _lower(element: Folded, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(Folded, "sqlite")
def _fold_case(element: Folded, compiler: Any, **kw: Any) -> str:
    return f"{FOLD_CASE}({compiler.process(element.clauses, **kw)})"


def fold_case(text: str | None) -> str | None:
    """SQLite's ``fold_case``: NULL stays NULL."""
    return None if text is None else text.lower()


def containing(text: str, *columns: Any) -> sa.ColumnElement[bool]:
    """Rows where any of ``columns`` holds ``text`` (trimmed); every row for a blank text."""
    wanted = text.strip().lower()
    if not wanted:
        return sa.true()
    pattern = f"%{escape_like(wanted)}%"
    return sa.or_(*(Folded(column).like(pattern, escape="\\") for column in columns))
