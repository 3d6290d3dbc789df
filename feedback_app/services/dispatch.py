"""Sending scheduled invitations: each due one becomes an email in the outbox."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from feedback_app.extensions import db
from feedback_app.models import Invitation, Survey
from feedback_app.services.claims import claim
from feedback_app.services.emails import SurveyEmails
from feedback_app.services.outbox import queue_invitation_emails
from feedback_app.services.suppression import opt_outs, reason_to_suppress
from notifications import Message
from surveys.invitations import InvitationStatus, SuppressionReason, transition


def dispatch_due_invitations(now: datetime) -> int:
    """Queue the email of each scheduled invitation that is due (one batch); commits.

    Checked again at sending time, since the customer may have bounced or unsubscribed
    after the invitation was scheduled, the survey may have been switched off, or the
    invitation may have expired while it waited. Returns how many invitations were handled.
    """
    due = (
        sa.select(Invitation)
        .where(Invitation.status == InvitationStatus.SCHEDULED, Invitation.scheduled_for <= now)
        .order_by(Invitation.scheduled_for, Invitation.id)
        .options(selectinload(Invitation.customer), selectinload(Invitation.survey))
    )
    invitations = claim(due, limit=int(current_app.config["DISPATCH_BATCH_SIZE"]))
    opted_out = opt_outs({invitation.customer_id for invitation in invitations})
    emails = SurveyEmails()
    queued: list[tuple[Message, Invitation]] = []
    for invitation in invitations:
        survey: Survey = invitation.survey
        if invitation.expires_at <= now:
            invitation.status = transition(invitation.status, InvitationStatus.EXPIRED)
            invitation.expired_at = now
            continue
        reason = reason_to_suppress(
            invitation.customer, survey.kind, opted_out[invitation.customer_id]
        )
        if reason is None and not survey.enabled:
            reason = SuppressionReason.SURVEY_DISABLED
        if reason is not None:
            invitation.status = transition(invitation.status, InvitationStatus.SUPPRESSED)
            invitation.suppression_reason = reason
            continue
        queued.append((emails.render(invitation), invitation))
        invitation.status = transition(invitation.status, InvitationStatus.SENT)
        invitation.sent_at = now
    queue_invitation_emails(queued, now, purpose="invitation")
    db.session.commit()
    return len(invitations)
