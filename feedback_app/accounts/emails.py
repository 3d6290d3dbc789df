"""The emails that carry account links, queued in the outbox of the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from feedback_app.accounts.links import Issued
from feedback_app.models import User
from feedback_app.services.emails import compose
from feedback_app.services.outbox import queue_email


def _base_url() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/")


def _lasts(issued: Issued, now: datetime) -> str:
    """How long the link lasts, as people say it: "1 hour", "72 hours"."""
    hours = round((issued.expires_at - now).total_seconds() / 3600)
    return "1 hour" if hours == 1 else f"{hours} hours"


def invitation(user: User, issued: Issued, invited_by: str, now: datetime) -> None:
    """The invitation to set up ``user``'s new account."""
    message = compose(
        "account_setup",
        to_email=user.email,
        context={
            "invited_by": invited_by,
            "role": user.role.value,
            "setup_url": f"{_base_url()}/account/setup/{issued.token}",
            "expires_at": issued.expires_at,
            "lasts": _lasts(issued, now),
        },
    )
    queue_email(message, now, purpose="account_setup")


def password_reset(user: User, issued: Issued, now: datetime) -> None:
    """The link that lets ``user`` choose a new password."""
    message = compose(
        "password_reset",
        to_email=user.email,
        to_name=user.name,
        context={
            "reset_url": f"{_base_url()}/account/reset/{issued.token}",
            "expires_at": issued.expires_at,
            "lasts": _lasts(issued, now),
        },
    )
    queue_email(message, now, purpose="password_reset")
