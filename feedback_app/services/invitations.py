"""Invitation rows, their link tokens and survey URLs."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import Customer, Interaction, Invitation, Survey
from surveys.invitations import InvitationStatus, SuppressionReason
from surveys.tokens import derive_token, hash_token, new_salt


def add_invitation(
    survey: Survey,
    customer: Customer,
    now: datetime,
    *,
    interaction: Interaction | None = None,
    scheduled_for: datetime | None = None,
    suppressed: SuppressionReason | None = None,
) -> Invitation:
    """Add an invitation (scheduled, or suppressed with its reason); flushes only.

    The invitation expires ``survey.expiry_days`` after it is scheduled to go out.
    """
    salt = new_salt()
    when = scheduled_for or now
    invitation = Invitation(
        survey=survey,
        customer=customer,
        interaction=interaction,
        token_salt=salt,
        token_hash=hash_token(derive_token(current_app.config["SECRET_KEY"], salt)),
        status=InvitationStatus.SUPPRESSED if suppressed else InvitationStatus.SCHEDULED,
        suppression_reason=suppressed,
        scheduled_for=when,
        expires_at=when + timedelta(days=survey.expiry_days),
        created_at=now,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def token_for(invitation: Invitation) -> str:
    """Re-derive the invitation's link token from its salt and the app secret."""
    return derive_token(current_app.config["SECRET_KEY"], invitation.token_salt)


def survey_url(invitation: Invitation, score: int | None = None) -> str:
    """The absolute link to the hosted survey page, optionally pre-selecting ``score``."""
    url = f"{current_app.config['BASE_URL'].rstrip('/')}/s/{token_for(invitation)}"
    return url if score is None else f"{url}?score={score}"


def find_by_token(token: str) -> Invitation | None:
    """The invitation a link token belongs to, or None for an unknown token."""
    if not token or len(token) > 128:
        return None
    return db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
