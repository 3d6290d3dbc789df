"""Widgets refused for their site or their customer identity, kept for the survey's admin page.

Such a refusal is a mistake of the host's developer (a site missing from the allowed origins,
a wrong or stale signature), never of the customer, who is shown nothing. So it is recorded
here, with what was seen, and the survey's admin page lists the latest ones with what to fix.
Anyone can send bad requests, so they are counted per survey, problem, origin and minute
(one upsert each), and a survey keeps at most ``KEEP_PER_SURVEY`` rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import EmbedRefusal, Survey
from feedback_app.services.embed.flood import (
    KEEP_WIDGET_REFUSALS,
    count_or_lose,
    dialect_insert,
    minute_of,
)
from surveys.embedding import EmbeddingProblem
from surveys.identity import IdentityProblem

#: A signed identity naming an ``external_id`` no customer has.
UNKNOWN_CUSTOMER = "unknown_customer"
#: The rows a survey keeps: its latest refusals, however many bad requests come.
KEEP_PER_SURVEY = 100
#: The rows the admin page lists.
SHOWN = 20

#: What each refusal means, in words that say what to fix.
REASONS: dict[str, str] = {
    EmbeddingProblem.NO_SITES: (
        "No site may show this survey yet: add your site's origin to the allowed embed "
        "origins above."
    ),
    EmbeddingProblem.UNKNOWN_SITE: (
        "The survey could not tell which site shows it: load it with the embed script, or "
        "add origin= and your site's origin to the frame's address."
    ),
    EmbeddingProblem.SITES_DISAGREE: (
        "The origin= in the frame's address is not the page the browser says shows it: load "
        "the survey with the embed script, or correct origin=."
    ),
    EmbeddingProblem.NOT_FRAMED: (
        "The survey was opened on its own, not in a frame: show it on your page with the "
        "embed script."
    ),
    EmbeddingProblem.SITE_NOT_ALLOWED: (
        "This site may not show the survey: if it is yours, add its origin to the allowed "
        "embed origins above."
    ),
    IdentityProblem.MALFORMED: (
        "The customer is missing, too long or not a valid email address, or data-issued-at "
        "is not whole Unix seconds: check data-customer and data-issued-at."
    ),
    IdentityProblem.BAD_SIGNATURE: (
        "The signature does not match: sign “customer|issued_at” with this survey's current "
        "signing secret (hex HMAC-SHA256), as in the code below."
    ),
    IdentityProblem.NO_ISSUE_TIME: (
        "The signature has no issue time: sign “customer|issued_at” and pass data-issued-at "
        "(Unix seconds) with it."
    ),
    IdentityProblem.EXPIRED: (
        "The signature is too old: sign it on your server each time the page is shown."
    ),
    IdentityProblem.FROM_THE_FUTURE: (
        "The signature's time is in the future: check the clock of the server that signs it."
    ),
    UNKNOWN_CUSTOMER: (
        "No customer has this id: pass the customer's email address, or the id your system "
        "sends us as the customer's external_id."
    ),
}


@dataclass(frozen=True)
class Refusal:
    """One line of the admin page: refusals of one kind, from one origin, in one minute."""

    minute: datetime
    problem: str
    reason: str
    origin: str
    detail: str
    count: int


def record_refusal(
    survey: Survey, problem: str, origin: str | None, detail: str, now: datetime
) -> None:
    """Count one refused widget of ``survey`` and keep only its latest rows; commits.

    ``detail`` says what was seen in a few words, never the secret or the signature; a
    database too busy to take it loses the count, as ``count_refusal`` does.
    """
    values = {
        "survey_id": survey.id,
        "minute": minute_of(now),
        "problem": problem,
        "origin": (origin or "")[: EmbedRefusal.origin.type.length],
        "detail": detail[: EmbedRefusal.detail.type.length],
        "count": 1,
    }

    def write(dialect: str) -> None:
        db.session.execute(_upsert(dialect), values)
        db.session.execute(_beyond_the_latest(survey.id))

    count_or_lose(write, "a refused embed widget was not recorded")


@functools.cache
def _upsert(dialect: str) -> Any:
    table = EmbedRefusal.__table__
    statement = dialect_insert(dialect)(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.survey_id, table.c.problem, table.c.origin, table.c.minute],
        set_={"count": table.c.count + 1, "detail": statement.excluded.detail},
    )


def _beyond_the_latest(survey_id: int) -> sa.Delete:
    latest = (
        sa.select(EmbedRefusal.id)
        .where(EmbedRefusal.survey_id == survey_id)
        .order_by(EmbedRefusal.minute.desc(), EmbedRefusal.id.desc())
        .limit(KEEP_PER_SURVEY)
    )
    return sa.delete(EmbedRefusal).where(
        EmbedRefusal.survey_id == survey_id, EmbedRefusal.id.not_in(latest.scalar_subquery())
    )


def recent_refusals(survey: Survey, now: datetime) -> list[Refusal]:
    """The latest ``SHOWN`` refusals of ``survey`` in the 30 days before ``now``, newest first."""
    rows = db.session.scalars(
        sa.select(EmbedRefusal)
        .where(
            EmbedRefusal.survey_id == survey.id,
            EmbedRefusal.minute >= now - KEEP_WIDGET_REFUSALS,
        )
        .order_by(EmbedRefusal.minute.desc(), EmbedRefusal.id.desc())
        .limit(SHOWN)
    )
    return [
        Refusal(
            minute=row.minute,
            problem=row.problem,
            reason=REASONS.get(row.problem, row.problem),
            origin=row.origin,
            detail=row.detail,
            count=row.count,
        )
        for row in rows
    ]
