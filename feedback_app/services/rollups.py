"""Keeping the score rollups true: as answers are settled, in bulk, and by a rebuild.

A response counts once in each dimension's row for its survey and UTC day: ``all``, its
channel, its team, its agent, its customer's value in each declared segment
(``services.support.segments``) and each choice it picked in an additional question (its
``counted_choices``), with its ``counted_score``: the score as last settled
(``services.settling``), empty until then. Writes add to the counts with an upsert, so
concurrent writers never lose an increment.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from feedback_app.extensions import db
from feedback_app.models import Customer, Response, ResponseAnswer
from feedback_app.models.metrics import SCORE_COLUMNS, RollupDimension, ScoreRollup
from feedback_app.services.support import segments as segments_

D = RollupDimension
#: Response attributes a rollup row depends on (and its customer's segments).
TRACKED = ("survey_id", "created_at", "channel", "team_id", "agent_id", "score")
#: (dimension, day, survey, segment, value): one rollup row.
Key = tuple[RollupDimension, date, int, str, str]


@dataclass(frozen=True)
class Entry:
    """Where one response is counted: its survey, day, breakdown values and score."""

    survey_id: int
    day: date
    channel: str
    team: str
    agent: str
    score: int
    #: The customer's value in each declared segment, as (segment, value) pairs.
    segments: tuple[tuple[str, str], ...] = ()
    #: The choices picked in additional questions, as (question id, choice id) texts.
    choices: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls,
        survey_id: int,
        created_at: datetime,
        channel: str | None,
        team_id: int | None,
        agent_id: int | None,
        score: int,
        segments: tuple[tuple[str, str], ...] = (),
    ) -> Entry:
        return cls(
            survey_id,
            created_at.astimezone(UTC).date(),
            str(channel or ""),
            "" if team_id is None else str(team_id),
            "" if agent_id is None else str(agent_id),
            score,
            segments,
        )

    def rows(self) -> Iterable[Key]:
        yield D.ALL, self.day, self.survey_id, "", ""
        yield D.CHANNEL, self.day, self.survey_id, "", self.channel
        yield D.TEAM, self.day, self.survey_id, "", self.team
        yield D.AGENT, self.day, self.survey_id, "", self.agent
        for segment, value in self.segments:
            yield D.SEGMENT, self.day, self.survey_id, segment, value
        for question, choice in self.choices:
            yield D.CHOICE, self.day, self.survey_id, question, choice


def entry_of(response: Response, choices: tuple[tuple[str, str], ...] = ()) -> Entry:
    """The rollup entry of a response as it is now (its customer loaded), with ``choices``."""
    properties = response.customer.properties if response.customer else None
    entry = Entry.of(
        *(getattr(response, name) for name in TRACKED), segments_.values_of(properties)
    )
    return dataclasses.replace(entry, choices=choices)


def counted_choices(response: Response) -> tuple[tuple[str, str], ...]:
    """The choices the rollups count ``response`` in now."""
    return tuple(_pair(text) for text in response.counted_choices or ())


def choice_texts(choices: Iterable[tuple[str, str]]) -> list[str]:
    """Choices as ``counted_choices`` keeps them: ``question:choice``."""
    return [f"{question}:{choice}" for question, choice in choices]


def _pair(text: str) -> tuple[str, str]:
    question, _, choice = text.partition(":")
    return question, choice


def apply_entries(added: Iterable[Entry], removed: Iterable[Entry] = ()) -> int:
    """Add ``added`` to the rollups and take ``removed`` out, in one batch; does not commit.

    Returns how many rollup rows were written.
    """
    deltas: dict[Key, Counter[int]] = defaultdict(Counter)
    for sign, entries in ((1, added), (-1, removed)):
        for entry in entries:
            for key in entry.rows():
                deltas[key][entry.score] += sign
    return _write(deltas)


def _write(deltas: dict[Key, Counter[int]]) -> int:
    if not deltas:
        return 0
    rows = [
        {
            "dimension": dimension,
            "day": day,
            "survey_id": survey_id,
            "segment": segment,
            "value": value,
            **{column: counts.get(score, 0) for score, column in enumerate(SCORE_COLUMNS)},
        }
        # One order for every writer, so two transactions never wait on each other's rows.
        for (dimension, day, survey_id, segment, value), counts in sorted(deltas.items())
    ]
    db.session.execute(_upsert(db.session.get_bind().dialect.name), rows)
    return len(rows)


@functools.cache
def _upsert(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO UPDATE adding the new counts to the stored ones.

    Built once per dialect: building it costs more than running it, on every answer.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ScoreRollup.__table__
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={column: table.c[column] + statement.excluded[column] for column in SCORE_COLUMNS},
    )


def day_of(column: Any) -> Any:
    """SQL for the UTC calendar day of a stored (naive UTC) timestamp."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.date(column)
    return sa.cast(column, sa.Date)


def _dimension_value(dimension: RollupDimension, segment: str) -> Any:
    """SQL for a response's rollup ``value`` in ``dimension``: text, empty for none."""
    if dimension is D.SEGMENT:
        return segments_.value_sql(segment)
    column = {
        D.ALL: None,
        D.CHANNEL: Response.channel,
        D.TEAM: Response.team_id,
        D.AGENT: Response.agent_id,
    }[dimension]
    if column is None:
        return sa.literal("")
    return sa.func.coalesce(sa.cast(column, sa.String(200)), "")


def _counted_score() -> Any:
    """SQL for the score a response should count with now: its score once settled; while
    unsettled, the score it was last settled with (none for a new answer)."""
    return sa.case((Response.unsettled, Response.counted_score), else_=Response.score)


#: Dimensions whose ``segment`` is open-ended: declared segments, and the choice rows.
_OPEN = (D.SEGMENT, D.CHOICE)


def dimensions() -> list[tuple[RollupDimension, str]]:
    """Every (dimension, segment) the rollups keep: the fixed ones and each declared segment."""
    fixed = [(dimension, "") for dimension in RollupDimension if dimension not in _OPEN]
    return fixed + [(D.SEGMENT, name) for name in segments_.declared()]


def computed_rollups(dimension: RollupDimension, segment: str = "") -> sa.Select[Any]:
    """The rollup rows of ``dimension`` (of ``segment``) computed from the responses, in the
    table's columns."""
    value = _dimension_value(dimension, segment)
    day = day_of(Response.created_at)
    counted = _counted_score()
    counts = [
        sa.func.sum(sa.case((counted == score, 1), else_=0)).label(column)
        for score, column in enumerate(SCORE_COLUMNS)
    ]
    query = sa.select(
        sa.literal(dimension.value).label("dimension"),
        day.label("day"),
        Response.survey_id,
        sa.literal(segment).label("segment"),
        value.label("value"),
        *counts,
    )
    if dimension is D.SEGMENT:
        query = query.outerjoin(Customer, Customer.id == Response.customer_id)
    return query.where(counted.is_not(None)).group_by(day, Response.survey_id, value)


def computed_choice_rollups() -> sa.Select[Any]:
    """The ``choice`` rollup rows of the settled responses, from their answers now.

    An unsettled response counts where it was last settled (``counted_choices``), which
    ``unsettled_choice_rows`` adds.
    """
    day = day_of(Response.created_at)
    counts = [
        sa.func.sum(sa.case((Response.score == score, 1), else_=0)).label(column)
        for score, column in enumerate(SCORE_COLUMNS)
    ]
    question = sa.cast(ResponseAnswer.question_id, sa.String(100))
    choice = sa.cast(ResponseAnswer.choice_id, sa.String(200))
    return (
        sa.select(
            sa.literal(D.CHOICE.value).label("dimension"),
            day.label("day"),
            Response.survey_id,
            question.label("segment"),
            choice.label("value"),
            *counts,
        )
        .join(ResponseAnswer, ResponseAnswer.response_id == Response.id)
        .where(Response.unsettled.is_(False), ResponseAnswer.choice_id.is_not(None))
        .group_by(day, Response.survey_id, ResponseAnswer.question_id, ResponseAnswer.choice_id)
    )


def unsettled_choice_rows() -> dict[Key, Counter[int]]:
    """The ``choice`` counts of unsettled responses, as they were last settled."""
    deltas: dict[Key, Counter[int]] = defaultdict(Counter)
    query = sa.select(Response).where(
        Response.unsettled,
        Response.counted_score.is_not(None),
        Response.counted_choices.is_not(None),
    )
    for response in db.session.scalars(query):
        entry = Entry.of(response.survey_id, response.created_at, None, None, None, 0)
        for question, choice in counted_choices(response):
            deltas[(D.CHOICE, entry.day, response.survey_id, question, choice)][
                response.counted_score or 0
            ] += 1
    return deltas


def _keep_settled_choices() -> None:
    """Set every settled response's ``counted_choices`` to its answers' choices now."""
    db.session.execute(
        sa.update(Response)
        .where(Response.unsettled.is_(False))
        .values(counted_choices=None)
        .execution_options(synchronize_session=False)
    )
    picked: dict[int, list[str]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(ResponseAnswer.response_id, ResponseAnswer.question_id, ResponseAnswer.choice_id)
        .join(Response, Response.id == ResponseAnswer.response_id)
        .where(Response.unsettled.is_(False), ResponseAnswer.choice_id.is_not(None))
        .order_by(ResponseAnswer.response_id, ResponseAnswer.id)
    )
    for response_id, question_id, choice_id in rows:
        picked[response_id].append(f"{question_id}:{choice_id}")
    if picked:
        db.session.execute(
            sa.update(Response.__table__)
            .where(Response.__table__.c.id == sa.bindparam("rid"))
            .values(counted_choices=sa.bindparam("picked")),
            [{"rid": rid, "picked": texts} for rid, texts in picked.items()],
        )


def rebuild_rollups() -> int:
    """Recompute every rollup row from the responses; flushes, does not commit.

    Use it after writing responses behind the services' back (SQL, a restore): settled
    responses are counted with their score. An unsettled one keeps the count it had; the
    worker moves it when it settles the answer. Returns the number of rollup rows.
    """
    db.session.flush()
    db.session.execute(
        sa.update(Response)
        .where(Response.unsettled.is_(False))
        .values(counted_score=Response.score)
        .execution_options(synchronize_session=False)
    )
    _keep_settled_choices()
    db.session.execute(sa.delete(ScoreRollup))
    columns = ["dimension", "day", "survey_id", "segment", "value", *SCORE_COLUMNS]
    for dimension, segment in dimensions():
        db.session.execute(
            sa.insert(ScoreRollup).from_select(columns, computed_rollups(dimension, segment))
        )
    db.session.execute(sa.insert(ScoreRollup).from_select(columns, computed_choice_rollups()))
    _write(unsettled_choice_rows())
    return db.session.scalar(sa.select(sa.func.count()).select_from(ScoreRollup)) or 0


def rollup_differences() -> list[str]:
    """Describe every rollup row that differs from a fresh computation; empty when true."""
    table = ScoreRollup.__table__
    stored: dict[tuple[str, date, int, str, str], tuple[int, ...]] = {}
    for row in db.session.execute(sa.select(table)):
        counts = tuple(row._mapping[column] for column in SCORE_COLUMNS)
        if any(counts):
            stored[(str(row.dimension), row.day, row.survey_id, row.segment, row.value)] = counts
    computed: dict[tuple[str, date, int, str, str], tuple[int, ...]] = {}
    queries = [computed_rollups(dimension, segment) for dimension, segment in dimensions()]
    for query in [*queries, computed_choice_rollups()]:
        for row in db.session.execute(query):
            day = row.day if isinstance(row.day, date) else date.fromisoformat(row.day)
            counts = tuple(row._mapping[column] for column in SCORE_COLUMNS)
            if any(counts):
                computed[(str(row.dimension), day, row.survey_id, row.segment, row.value)] = counts
    for (dimension, day, survey_id, segment, value), by_score in unsettled_choice_rows().items():
        key = (dimension.value, day, survey_id, segment, value)
        previous = computed.get(key, (0,) * len(SCORE_COLUMNS))
        counts = tuple(
            previous[score] + by_score.get(score, 0) for score in range(len(SCORE_COLUMNS))
        )
        computed[key] = counts
    differences = []
    for key in sorted(stored.keys() | computed.keys()):
        if stored.get(key) != computed.get(key):
            dimension, day, survey_id, segment, value = key
            where = f"{segment}={value or '-'}" if segment else value or "-"
            differences.append(
                f"{dimension} {day} survey {survey_id} {where}: "
                f"stored {stored.get(key)}, responses give {computed.get(key)}"
            )
    return differences


def move_segment(customer_id: int, segment: str, old: str, new: str) -> None:
    """Move the customer's counted responses from ``old`` to ``new`` in ``segment``'s rollup
    rows, as the customer's property changes; does not commit."""
    day = day_of(Response.created_at)
    query = (
        sa.select(day, Response.survey_id, Response.counted_score, sa.func.count())
        .where(Response.customer_id == customer_id, Response.counted_score.is_not(None))
        .group_by(day, Response.survey_id, Response.counted_score)
    )
    deltas: dict[Key, Counter[int]] = defaultdict(Counter)
    for when, survey_id, score, count in db.session.execute(query):
        when = when if isinstance(when, date) else date.fromisoformat(when)
        deltas[(D.SEGMENT, when, survey_id, segment, old)][score] -= count
        deltas[(D.SEGMENT, when, survey_id, segment, new)][score] += count
    _write(deltas)
