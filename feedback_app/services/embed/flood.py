"""Floods of embedded answers: what the rate limits refused, and what the admin page shows.

Anyone may answer an embedded survey without saying who they are, so the survey's admin page
shows how many anonymous answers came in the last hour and day, and how many answers the
limits refused (counted per survey and minute in the database, one upsert per refusal).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from feedback_app.extensions import db
from feedback_app.models import (
    EmbedRefusal,
    EmbedRefusalCount,
    Response,
    SpentEmbedToken,
    Survey,
)
from feedback_app.outage import UNAVAILABLE, abandon_transaction, describe
from surveys.answers import ResponseSource

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
#: How long refusal counts are kept: the page shows the last day.
KEEP_REFUSALS = timedelta(days=2)
#: How long widgets refused for their site or identity are kept (``services.embed.refusals``).
KEEP_WIDGET_REFUSALS = timedelta(days=30)


@dataclass(frozen=True)
class AnonymousActivity:
    """A survey's anonymous answers, and the answers the limits refused, lately."""

    answers_last_hour: int
    answers_last_day: int
    refused_last_hour: int
    refused_last_day: int


def count_refusal(survey: Survey, now: datetime) -> None:
    """Count one answer to ``survey`` refused by a rate limit; commits.

    Under a flood the database may be too busy to take the count (SQLite's write lock): the
    count is then lost, logged, and the refusal still answered.
    """
    count_or_lose(
        lambda dialect: db.session.execute(
            _upsert(dialect), {"survey_id": survey.id, "minute": minute_of(now), "refused": 1}
        ),
        "a refused embed answer was not counted",
    )


def count_or_lose(write: Callable[[str], object], lost: str) -> None:
    """Run ``write`` (given the database's dialect) and commit; when the database is too busy
    (a flood holding SQLite's write lock) log ``lost`` instead, so the refusal is still
    answered."""
    try:
        write(db.session.get_bind().dialect.name)
        db.session.commit()
    except UNAVAILABLE as error:
        abandon_transaction()
        log.warning("%s: %s", lost, describe(error))


def minute_of(moment: datetime) -> datetime:
    """The start of ``moment``'s minute: what refusals are counted by."""
    return moment.replace(second=0, microsecond=0)


def dialect_insert(dialect: str) -> Any:
    """The dialect's ``INSERT`` with ``ON CONFLICT``, for counting upserts."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@functools.cache
def _upsert(dialect: str) -> Any:
    table = EmbedRefusalCount.__table__
    statement = dialect_insert(dialect)(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.survey_id, table.c.minute],
        set_={"refused": table.c.refused + statement.excluded.refused},
    )


def anonymous_activity(survey: Survey, now: datetime) -> AnonymousActivity:
    """Anonymous answers to ``survey``, and refusals (to the minute), in the hour and the day
    before ``now``."""
    hour_ago, day_ago = now - HOUR, now - DAY
    answers = db.session.execute(
        sa.select(
            sa.func.count().filter(Response.created_at > hour_ago),
            sa.func.count(),
        ).where(
            Response.survey_id == survey.id,
            Response.source == ResponseSource.EMBED.value,
            Response.customer_id.is_(None),
            Response.created_at > day_ago,
        )
    ).one()
    refused = db.session.execute(
        sa.select(
            sa.func.coalesce(
                sa.func.sum(EmbedRefusalCount.refused).filter(
                    EmbedRefusalCount.minute >= minute_of(hour_ago)
                ),
                0,
            ),
            sa.func.coalesce(sa.func.sum(EmbedRefusalCount.refused), 0),
        ).where(
            EmbedRefusalCount.survey_id == survey.id,
            EmbedRefusalCount.minute >= minute_of(day_ago),
        )
    ).one()
    return AnonymousActivity(answers[0], answers[1], refused[0], refused[1])


def prune_embed_records(now: datetime) -> int:
    """Forget spent form tokens past their expiry, refusal counts past two days and refused
    widgets past 30 days; commits.

    Returns how many rows went.
    """
    tokens = db.session.execute(
        sa.delete(SpentEmbedToken).where(SpentEmbedToken.expires_at < now)
    ).rowcount
    refusals = db.session.execute(
        sa.delete(EmbedRefusalCount).where(EmbedRefusalCount.minute < now - KEEP_REFUSALS)
    ).rowcount
    widgets = db.session.execute(
        sa.delete(EmbedRefusal).where(EmbedRefusal.minute < now - KEEP_WIDGET_REFUSALS)
    ).rowcount
    db.session.commit()
    return tokens + refusals + widgets
