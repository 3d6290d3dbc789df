"""Case-insensitive text matching that reads the same on SQLite as on PostgreSQL.

PostgreSQL's ``lower()`` folds every letter (``É`` to ``é``); SQLite's folds only ASCII, so
``ILIKE`` would find "École" searching "école" on one and not on the other. ``UnicodeLower``
is ``lower()`` on PostgreSQL and, on SQLite, a Python function each connection registers.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction

#: The name of the function registered on SQLite connections.
SQLITE_NAME = "unicode_lower"


class UnicodeLower(GenericFunction[str]):
    """``lower()`` of every letter, not only ASCII's."""

    type = sa.Text()
    name = SQLITE_NAME
    inherit_cache = True


@compiles(UnicodeLower)
def _lower(element: UnicodeLower, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(UnicodeLower, "sqlite")
def _sqlite_lower(element: UnicodeLower, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_NAME}({compiler.process(element.clauses, **kw)})"


def register_sqlite(connection: sqlite3.Connection) -> None:
    """Give a SQLite connection the function ``UnicodeLower`` calls there."""
    connection.create_function(SQLITE_NAME, 1, _python_lower, deterministic=True)


def _python_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def escape_like(text: str) -> str:
    """``text`` for a LIKE pattern escaped with a backslash: ``%`` and ``_`` only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_text(column: Any, text: str) -> sa.ColumnElement[bool]:
    """That ``column`` holds ``text``, in any case, on SQLite as on PostgreSQL."""
    return UnicodeLower(column).like(f"%{escape_like(text.lower())}%", escape="\\")


def any_contains_text(text: str, *columns: Any) -> sa.ColumnElement[bool]:
    """That any of ``columns`` holds ``text`` (trimmed), as ``contains_text``; true of every
    row for a blank text: a listing's search box left empty."""
    wanted = text.strip()
    if not wanted:
        return sa.true()
    return sa.or_(*(contains_text(column, wanted) for column in columns))
