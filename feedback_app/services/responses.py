"""Customers' answers: opening a survey, and writing or editing a response.

``record_response`` is the one place a response row is written or changed. Everything that
follows from an answer (follow-up cases, webhooks, rollups) is done by the worker, which
settles the answers it marks (``services.settling``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm.attributes import flag_modified

from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation, Response, Survey
from feedback_app.services.claims import take_write_lock
from surveys.answers import (
    EditWindowClosed,
    ResponseSource,
    SurveyExpired,
    can_edit,
    clean_comment,
    is_expired,
)
from surveys.bucketing import classify
from surveys.invitations import InvitationStatus, transition
from surveys.kinds import validate_score


def edit_window() -> timedelta:
    """How long after the first answer the customer may still change it (``EDIT_WINDOW_DAYS``)."""
    return timedelta(days=current_app.config["EDIT_WINDOW_DAYS"])


#: Built once, being on the answer path (see ``invitations._BY_TOKEN``).
_RESPONSE_TO = sa.select(Response).where(Response.invitation_id == sa.bindparam("invitation_id"))


def response_to(invitation: Invitation) -> Response | None:
    """The response given to ``invitation``, if any.

    Only an answered invitation has one: the first answer moves it to responded in the same
    transaction, and nothing moves it back. So the status answers without a query, and is
    current when the invitation was read under its lock.
    """
    if invitation.status is not InvitationStatus.RESPONDED:
        return None
    return db.session.scalar(_RESPONSE_TO, {"invitation_id": invitation.id})


@dataclass(frozen=True)
class LockedInvitation:
    """An invitation locked for this transaction, with its answer as committed when locked.

    Answers to one invitation (a double tap, two tabs) are serialised by the lock: the second
    waits, then finds the first one's response and edits it instead of failing on the unique
    ``invitation_id``. Made by ``lock_invitation``, or from ``find_by_token(token, lock=True)``
    and ``response_to`` read after it (one query fewer, for the survey page).
    """

    invitation: Invitation
    answer: Response | None


def lock_invitation(invitation: Invitation) -> LockedInvitation:
    """Lock an invitation already loaded, to answer it."""
    take_write_lock()
    db.session.refresh(invitation, with_for_update=True)
    return LockedInvitation(invitation, response_to(invitation))


def record_open(invitation: Invitation, now: datetime) -> None:
    """Note that the customer opened the survey (not an answer); commits if anything changed.

    Only a scheduled or sent invitation moves to opened, so the first open keeps its time.
    """
    if invitation.status not in (InvitationStatus.SCHEDULED, InvitationStatus.SENT):
        return
    invitation.status = transition(invitation.status, InvitationStatus.OPENED)
    invitation.opened_at = now
    db.session.commit()


def record_response(
    survey: Survey,
    score: object,
    comment: str | None,
    now: datetime,
    *,
    source: ResponseSource,
    invitation: LockedInvitation | None = None,
    customer: Customer | None = None,
    response: Response | None = None,
    locale: str | None = None,
    by_staff: bool = False,
) -> Response:
    """Write a new answer, or edit the existing one, and commit; returns the response.

    Commits, in one transaction: the response row (score, its bucket, comment; channel, agent
    and team copied from the invitation's interaction), marked unsettled for the worker, and
    the invitation's move to responded on the first answer. An edit keeps ``created_at`` and
    ``source`` and moves ``updated_at``; an edit that changes nothing writes nothing.

    :param score: as received (form strings too); validated on the survey's scale, never clamped.
    :param comment: the whole comment as it should now read; ``None`` keeps an existing one.
    :param invitation: the invitation answered, locked with its answer (which is edited).
    :param customer: who answered when there is no invitation (a signed embed); else ``None``.
    :param response: the response to edit when there is no invitation (an embed's second post).
    :param locale: the language the customer answered in.
    :param by_staff: an edit by staff or an API key, which the customer's edit window does
        not bind (a correction made for them, at any age).
    :raises InvalidScore, InvalidComment: bad input; nothing is written.
    :raises SurveyExpired: the invitation expired before being answered.
    :raises EditWindowClosed: the answer is older than ``EDIT_WINDOW_DAYS`` (unless ``by_staff``).
    :raises InvalidTransition: the invitation was suppressed and can never be answered.
    """
    value = validate_score(survey.kind, score)
    bucket = classify(survey.kind, value, survey.thresholds)
    text = None if comment is None else clean_comment(comment)
    if invitation is not None:
        response = invitation.answer
    elif response is not None:
        take_write_lock()
        db.session.refresh(response, with_for_update=True)

    if response is None:
        response = Response(
            survey_id=survey.id,
            kind=survey.kind,
            score=value,
            bucket=bucket,
            comment=text or "",
            source=source.value,
            locale=locale,
            customer_id=None if customer is None else customer.id,
            created_at=now,
            updated_at=now,
            unsettled=True,
        )
        if invitation is not None:
            _answer_invitation(response, invitation.invitation, now)
        db.session.add(response)
    else:
        if not by_staff and not can_edit(response.created_at, now, edit_window()):
            raise EditWindowClosed("this answer can no longer be changed")
        text = response.comment if text is None else text
        if (response.score, response.comment) == (value, text):
            db.session.commit()
            return response
        response.score = value
        response.bucket = bucket
        response.comment = text
        response.updated_at = now
        response.unsettled = True
        # Written even when it reads True: the worker may be settling the old answer, and
        # its commit must not leave this one settled. The UPDATE waits for that commit.
        flag_modified(response, "unsettled")
    db.session.commit()
    return response


def _answer_invitation(response: Response, invitation: Invitation, now: datetime) -> None:
    """Tie a first answer to its invitation, which names the customer and the interaction."""
    if is_expired(invitation.status, invitation.expires_at, now):
        raise SurveyExpired("this survey has expired")
    invitation.status = transition(invitation.status, InvitationStatus.RESPONDED)
    invitation.responded_at = now
    response.invitation_id = invitation.id
    response.customer_id = invitation.customer_id
    interaction = invitation.interaction
    if interaction is not None:
        response.interaction_id = interaction.id
        response.channel = interaction.channel
        response.agent_id = interaction.agent_id
        response.team_id = interaction.team_id
