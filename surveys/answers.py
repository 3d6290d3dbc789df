"""Rules for a customer's answer: where it came from, when it can still change, the comment."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from surveys.errors import DomainError
from surveys.invitations import InvitationStatus

#: Long enough for a real complaint, short enough to keep one answer from filling the disk.
MAX_COMMENT_LENGTH = 5000

#: Statuses in which an invitation still waits for its answer.
AWAITING_ANSWER = frozenset(
    {InvitationStatus.SCHEDULED, InvitationStatus.SENT, InvitationStatus.OPENED}
)


class ResponseSource(enum.StrEnum):
    """How an answer arrived."""

    PAGE = "page"
    #: A one-click score link in the invitation email.
    EMAIL = "email"
    EMBED = "embed"
    IMPORT = "import"
    API = "api"


class SurveyExpired(DomainError):
    """The invitation can no longer be answered."""


class EditWindowClosed(DomainError):
    """The answer was given too long ago to be changed."""


class InvalidComment(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="comment")


def clean_comment(text: str | None) -> str:
    """Return the comment without surrounding blanks; refuse (never cut) an overlong one."""
    comment = (text or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidComment(f"the comment must be at most {MAX_COMMENT_LENGTH} characters")
    return comment


def is_expired(status: InvitationStatus, expires_at: datetime, now: datetime) -> bool:
    """True if an unanswered invitation has expired, by its status or by its date."""
    if status is InvitationStatus.EXPIRED:
        return True
    return status in AWAITING_ANSWER and now >= expires_at


def edit_deadline(first_answered_at: datetime, window: timedelta) -> datetime:
    """The moment an answer stops being editable."""
    return first_answered_at + window


def can_edit(first_answered_at: datetime, now: datetime, window: timedelta) -> bool:
    """True while the customer may still change the score or the comment."""
    return now < edit_deadline(first_answered_at, window)
