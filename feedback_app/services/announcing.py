"""Announcing answers: ``response.created`` once the customer has finished answering, then
``response.updated`` naming what they changed.

A customer answers in steps: a score (often one click in the email), maybe a comment, maybe
the survey's additional questions. Receivers want the score and the comment together, so the
first event waits until the customer is done: a comment or answers to the questions say so
at once; otherwise the answer must have stayed as it is for ``WEBHOOK_QUIET_SECONDS``. A
change before then is part of that first event. What it told is kept on the response (the
score, and digests of the comment and the answers: no second copy of a customer's words for
their forgetting to reach), so a later change is sent as what changed.

Settling (``services.settling``) announces the answers it settles once they are finished or
quiet; ``announce_quiet_answers`` those that have since become quiet. Both claim their rows,
so however many workers run, each answer is announced once per change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from feedback_app.extensions import db
from feedback_app.models import Response, ResponseAnswer
from feedback_app.questions.service import answers_json
from feedback_app.services.claims import claim
from feedback_app.services.webhooks import queue_response_event

#: Answers announced per run of ``announce_quiet_answers``, in one transaction.
BATCH_SIZE = 500

#: The parts of an answer to an additional question, as its digest reads them.
_ANSWER_PARTS = (
    ResponseAnswer.question_id,
    ResponseAnswer.choice_id,
    ResponseAnswer.text,
    ResponseAnswer.rating,
)


def text_digest(text: str) -> str | None:
    """The digest of a comment; None for no comment."""
    return hashlib.sha256(text.encode()).hexdigest() if text else None


def rows_digest(rows: Iterable[Sequence[Any]]) -> str:
    """The digest of one response's answers to the additional questions, in any order."""
    parts = sorted((list(row) for row in rows), key=json.dumps)
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def answers_digests(response_ids: Iterable[int]) -> dict[int, str]:
    """The digest of each response's additional answers, by id; responses with none left out."""
    rows: dict[int, list[Sequence[Any]]] = {}
    query = sa.select(ResponseAnswer.response_id, *_ANSWER_PARTS).where(
        ResponseAnswer.response_id.in_(list(response_ids))
    )
    for response_id, *parts in db.session.execute(query):
        rows.setdefault(response_id, []).append(parts)
    return {response_id: rows_digest(parts) for response_id, parts in rows.items()}


def announced_as_history(score: int, comment: str, at: datetime) -> dict[str, Any]:
    """The columns of a response of history (an import): announced as it is, so that no
    ``response.created`` ever goes out for it."""
    return {
        "announced_at": at,
        "announced_score": score,
        "announced_comment_digest": text_digest(comment),
        "announced_answers_digest": None,
    }


def quiet_time() -> timedelta:
    return timedelta(seconds=current_app.config["WEBHOOK_QUIET_SECONDS"])


def announce(response: Response, answers_digest: str | None, now: datetime) -> None:
    """Queue the event a settled answer calls for, if any, and remember what it told; does not
    commit. The event is dated at the answer (``updated_at``).

    :param answers_digest: the response's ``answers_digests`` entry.
    """
    if response.announced_at is None:
        finished = bool(response.comment) or answers_digest is not None
        if not finished and response.updated_at > now - quiet_time():
            return
        queue_response_event(response, response.updated_at)
        response.announced_at = now
    else:
        changed = _changes(response, answers_digest)
        if not changed:
            return
        queue_response_event(response, response.updated_at, changed=changed)
    response.announced_score = response.score
    response.announced_comment_digest = text_digest(response.comment)
    response.announced_answers_digest = answers_digest


def _changes(response: Response, answers_digest: str | None) -> dict[str, Any]:
    """What changed since the last event, as ``data.changed`` names it.

    The earlier score is kept, so it is given; of the comment only whether there was one:
    an added one comes ``from`` null, an edited or removed one has only its ``to``.
    """
    changed: dict[str, Any] = {}
    if response.score != response.announced_score:
        changed["score"] = {"from": response.announced_score, "to": response.score}
    if text_digest(response.comment) != response.announced_comment_digest:
        comment = response.comment or None
        had_one = response.announced_comment_digest is not None
        changed["comment"] = {"to": comment} if had_one else {"from": None, "to": comment}
    if answers_digest != response.announced_answers_digest:
        changed["answers"] = {"to": answers_json([response.id]).get(response.id, [])}
    return changed


def announce_quiet_answers(now: datetime, limit: int = BATCH_SIZE) -> int:
    """Send ``response.created`` for settled answers left as they are for the quiet time;
    commits. Returns how many."""
    quiet = (
        sa.select(Response)
        .where(
            Response.announced_at.is_(None),
            Response.unsettled.is_(False),
            Response.updated_at <= now - quiet_time(),
        )
        .order_by(Response.id)
        .options(joinedload(Response.survey), joinedload(Response.customer))
    )
    responses = claim(quiet, limit=limit, of=Response)
    answers = answers_digests(response.id for response in responses)
    for response in responses:
        announce(response, answers.get(response.id), now)
    db.session.commit()
    return len(responses)
