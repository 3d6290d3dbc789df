"""Writes that race with other requests: a unit of work retried once on a unique-key clash,
and rows inserted unless already stored."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Interaction, Invitation, Team
from feedback_app.services.embed.flood import dialect_insert

T = TypeVar("T")


def committed(work: Callable[[], T], *, keep_loaded: bool = False) -> T:
    """Run ``work`` and commit; run it once more if a unique key raced with another request.

    Rows added by ``add_or_find`` never fail on their key; other unique keys can still race
    (two posts of one agent's day, two deliveries of one webhook): run again, the work finds the
    winner's row.

    ``keep_loaded`` keeps the rows ``work`` wrote loaded after the commit: what it wrote is
    what they hold, and reloading them to answer the request cost three more queries.
    """
    try:
        result = work()
        _commit(keep_loaded)
    except IntegrityError:
        db.session.rollback()
    else:
        return result
    result = work()
    _commit(keep_loaded)
    return result


def _commit(keep_loaded: bool) -> None:
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = expire and not keep_loaded
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


M = TypeVar("M", Customer, Agent, Team, Interaction)


def add_or_find(row: M, *key: Any) -> tuple[M, bool]:
    """Insert the new ``row`` unless one with the same values of its unique ``key`` columns
    is stored; the row stored, and whether it was added. One statement when it is added
    (``INSERT … ON CONFLICT DO NOTHING``), two when it was there.

    A concurrent transaction adding the same key makes the insert wait for its commit and do
    nothing rather than fail, so concurrent posts for one new customer, agent, team or
    interaction all succeed, the later ones finding the first one's row.
    """
    added = insert_unless_stored(row, key)
    if added is not None:
        return added[0], True
    return find_stored(row, key), False


def insert_unless_stored(
    row: M, key: Sequence[Any], *also: Any, parameters: Mapping[str, Any] | None = None
) -> sa.Row[Any] | None:
    """``add_or_find``'s insert: the row added and the ``also`` expressions read by the same
    statement (its ``RETURNING``, their bound ``parameters`` given), or None when a row with
    ``row``'s key was stored."""
    statement = _insert(type(row), db.session.get_bind().dialect.name, tuple(key), also)
    return db.session.execute(statement, {**_values(row), **(parameters or {})}).one_or_none()


def inserted(row: Invitation) -> Invitation:
    """Add the new ``row`` in one ``INSERT … RETURNING`` and return it, stored, in the
    session, for a row added on every request: the unit of work a flush runs costs more than
    the insert. Its relationships are not loaded: set them (``set_committed_value``) where
    they are read, and its foreign keys as ids of stored rows."""
    statement = _insert(type(row), db.session.get_bind().dialect.name, (), ())
    return db.session.scalars(statement, _values(row)).one()


@functools.cache
def _insert(model: type[Any], dialect: str, key: tuple[Any, ...], also: tuple[Any, ...]) -> Any:
    """The insert of ``model``'s rows (doing nothing on a clash of ``key``) that returns them
    and ``also``, built once: building it for each row cost more than the database took to
    run it. The row's values are the statement's parameters, run as one statement (the "orm"
    strategy): parameters alone would make it an ORM bulk insert, which costs more for a
    row."""
    statement = dialect_insert(dialect)(model)
    if key:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    return statement.returning(model, *also).execution_options(dml_strategy="orm")


def find_stored(row: M, key: Sequence[Any]) -> M:
    """The stored row with ``row``'s values of the ``key`` columns."""
    values = _values(row)
    stored = sa.select(type(row)).where(*(column == values[column.key] for column in key))
    return db.session.scalars(stored).one()


def _values(row: Any) -> dict[str, Any]:
    """The columns set on the new ``row``: those left None take their defaults."""
    state = sa.inspect(row).dict
    return {
        attribute.key: state[attribute.key]
        for attribute in sa.inspect(type(row)).column_attrs
        if state.get(attribute.key) is not None
    }
