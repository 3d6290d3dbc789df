"""The sign-in page's "Forgot password?": the page stores the request, the worker sends
the link.

The page does the same work for every address, one row and one audit event, and the
``send-password-resets`` job looks the address up later; so neither the page's answer nor
how long it takes tells whether an account has the address. The job emails a reset link
to an active account that is set up, and drops every other request.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from feedback_app.accounts import emails, links
from feedback_app.accounts.models import LinkPurpose, PasswordResetRequest
from feedback_app.accounts.passwords import find_user
from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.services.claims import claim

#: Requests one run of the job handles.
BATCH_SIZE = 200
_EMAIL_LENGTH = PasswordResetRequest.__table__.c.email.type.length


def request_reset(email: str, now: datetime) -> str:
    """Store a request for a reset link to ``email``, whoever has it; commits. Returns the
    address as stored (trimmed, lower-cased)."""
    typed = email.strip().lower()[:_EMAIL_LENGTH]
    db.session.add(PasswordResetRequest(email=typed, requested_at=now))
    audit.record("auth.password_reset_requested", details={"email": typed}, commit=True)
    return typed


def send_requested_resets(now: datetime) -> int:
    """Email a reset link for each waiting request an account can use; commits.

    Returns how many requests were handled, sent or dropped.
    """
    requests = claim(
        sa.select(PasswordResetRequest).order_by(PasswordResetRequest.id), limit=BATCH_SIZE
    )
    for request in requests:
        user = find_user(request.email)
        if user is not None and user.active and user.is_set_up:
            emails.password_reset(user, links.issue(user, LinkPurpose.RESET, now), now)
            audit.record("user.password_reset_sent", f"user:{user.id}")
        db.session.delete(request)
    db.session.commit()
    return len(requests)
