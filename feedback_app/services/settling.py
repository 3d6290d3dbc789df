"""Settling answers: what follows from a new or changed response, done by the worker in batches.

The survey page stores an answer and marks it unsettled; this job then, for a batch of them
in one transaction, opens or updates follow-up cases, announces them to the webhooks (once
the customer has finished, ``services.announcing``) and moves the rollup counts, all rollup
rows in one upsert. Doing that per answer in the request cost more than storing the answer
itself, and every answer of a day queued on the same rollup rows; batched, the rollups and
the webhook endpoints are touched once per batch.

``counted_score`` is the score as the rollups count it, so an edit, however often repeated
before the job runs, moves its count from where it really is; and a response settled for
the first time (``counted_score`` empty) is a new one for the cases.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Response, Survey
from feedback_app.outage import UNAVAILABLE
from feedback_app.questions.service import picked_choices
from feedback_app.services.announcing import announce, answers_digests
from feedback_app.services.claims import claim
from feedback_app.services.followups import sync_case
from feedback_app.services.rollups import (
    Entry,
    apply_entries,
    choice_texts,
    counted_choices,
    entry_of,
)

log = logging.getLogger(__name__)

#: Responses settled per run of the job (every second), in one transaction.
BATCH_SIZE = 500

_UNSETTLED = (
    sa.select(Response)
    .where(Response.unsettled)
    .order_by(Response.id)
    .options(
        joinedload(Response.survey).joinedload(Survey.followup_rule),
        # For its segments (``services.support.segments``).
        joinedload(Response.customer),
    )
)

#: One statement for the batch: marking each response in the session would make every flush
#: of a new case look through all of them.
_SETTLED = (
    sa.update(Response)
    .where(Response.id.in_(sa.bindparam("ids", expanding=True)))
    .values(unsettled=False, counted_score=Response.score)
    .execution_options(synchronize_session=False)
)


#: The choices each settled response now counts in, for those whose choices moved.
_COUNTED_CHOICES = (
    sa.update(Response.__table__)
    .where(Response.__table__.c.id == sa.bindparam("rid"))
    .values(counted_choices=sa.bindparam("picked"))
)


def settle_answers(limit: int = BATCH_SIZE) -> int:
    """Settle up to ``limit`` unsettled responses in one transaction; commits. Returns how many.

    Everything is dated at the answer (``updated_at``), not at the settling: a case opened
    after a worker outage gets the deadline the answer would have given it. Rows another
    worker is settling are skipped, not waited for; an answer edited while its batch is
    settled waits for the batch, then is unsettled again for the next one.

    An answer that cannot be settled (a bug, bad data) must not hold back every answer after
    it: when the batch fails, it is settled again one answer at a time, and the failing ones
    are logged and left unsettled for the next run.
    """
    try:
        return _settle(limit, one_by_one=False)
    except UNAVAILABLE:
        raise
    except Exception:
        db.session.rollback()
        return _settle(limit, one_by_one=True)


def _settle(limit: int, *, one_by_one: bool) -> int:
    responses = claim(_UNSETTLED, limit=limit, of=Response)
    if not responses:
        db.session.commit()  # ends the claim (SQLite's write lock) at once
        return 0
    now = utcnow()
    settled: list[int] = []
    added: list[Entry] = []
    removed: list[Entry] = []
    ids = [response.id for response in responses]
    picked = picked_choices(ids)
    answers = answers_digests(ids)
    moved_choices: list[dict[str, object]] = []
    for response in responses:
        created = response.counted_score is None
        digest = answers.get(response.id)
        if one_by_one:
            if not _followed_up_alone(response, created, digest, now):
                continue
        else:
            _follow_up(response, created, digest, now)
        settled.append(response.id)
        choices = picked.get(response.id, ())
        counted = counted_choices(response)
        entry = entry_of(response, choices)
        if created:
            added.append(entry)
        elif response.counted_score != response.score or counted != choices:
            added.append(entry)
            removed.append(replace(entry, score=response.counted_score, choices=counted))
        if counted != choices:
            moved_choices.append({"rid": response.id, "picked": choice_texts(choices)})
    db.session.flush()
    if settled:
        db.session.execute(_SETTLED, {"ids": settled})
    if moved_choices:
        db.session.execute(_COUNTED_CHOICES, moved_choices)
    # Last, right before the commit, as one statement: every answer of a day adds to the same
    # rollup rows, and this holds them locked until the commit.
    apply_entries(added, removed)
    db.session.commit()
    return len(settled)


def _follow_up(
    response: Response, created: bool, answers_digest: str | None, now: datetime
) -> None:
    sync_case(response, response.updated_at, created=created)
    announce(response, answers_digest, now)


def _followed_up_alone(
    response: Response, created: bool, answers_digest: str | None, now: datetime
) -> bool:
    """Follow up one answer in a savepoint; False, logged and undone, if it fails."""
    try:
        with db.session.begin_nested():
            _follow_up(response, created, answers_digest, now)
            db.session.flush()
    except UNAVAILABLE:
        raise
    except Exception:
        log.exception("answer %d could not be settled; it stays unsettled", response.id)
        return False
    return True


def backlog() -> tuple[int, datetime | None]:
    """How many answers wait to be settled, and when the oldest of them was written."""
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(Response.updated_at)).where(Response.unsettled)
    ).one()
    return count, oldest
