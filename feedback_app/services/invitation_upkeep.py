"""Invitation upkeep for the scheduler: one reminder to non-responders, and expiry."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation, Survey, Unsubscribe
from feedback_app.services import followup_notices as notices
from feedback_app.services.claims import claim
from surveys.invitations import ALLOWED, InvitationStatus
from surveys.schedule import reminder_cutoff

#: Invitations reminded per survey and run; the next run takes the rest.
BATCH_SIZE = 200
#: Sent but unanswered: the states a reminder makes sense in.
AWAITING = (InvitationStatus.SENT, InvitationStatus.OPENED)
#: Every state the lifecycle lets an invitation expire from.
EXPIRABLE = tuple(
    status for status, targets in ALLOWED.items() if InvitationStatus.EXPIRED in targets
)


def remind_invitations(now: datetime) -> int:
    """Queue the one reminder for invitations sent ``reminder_days`` ago and still unanswered.

    Surveys with no ``reminder_days`` send none; customers who opted out or bounced since
    get none. Claims the invitations, so two workers never remind twice; commits.
    """
    surveys = db.session.scalars(
        sa.select(Survey).where(Survey.reminder_days.is_not(None), Survey.enabled.is_(True))
    ).all()
    handled = 0
    for survey in surveys:
        opted_out = sa.exists().where(
            Unsubscribe.customer_id == Invitation.customer_id,
            Unsubscribe.revoked_at.is_(None),
            sa.or_(Unsubscribe.kind.is_(None), Unsubscribe.kind == survey.kind),
        )
        due = (
            sa.select(Invitation)
            .join(Customer, Invitation.customer_id == Customer.id)
            .where(
                Invitation.survey_id == survey.id,
                Invitation.status.in_(AWAITING),
                Invitation.reminded_at.is_(None),
                Invitation.sent_at <= reminder_cutoff(survey.reminder_days or 0, now),
                Invitation.expires_at > now,
                Customer.bounced_at.is_(None),
                ~opted_out,
            )
            .order_by(Invitation.sent_at, Invitation.id)
        )
        for invitation in claim(due, limit=BATCH_SIZE, of=Invitation):
            invitation.reminded_at = now
            notices.invitation_reminder(invitation, now)
            handled += 1
    db.session.commit()
    return handled


def expire_invitations(now: datetime) -> int:
    """Mark unanswered invitations past ``expires_at`` expired; one atomic update, commits."""
    result = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.status.in_(EXPIRABLE), Invitation.expires_at <= now)
        .values(status=InvitationStatus.EXPIRED, expired_at=now)
    )
    db.session.commit()
    return result.rowcount
