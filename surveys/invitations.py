"""The invitation lifecycle as an explicit state machine."""

from __future__ import annotations

import enum

from surveys.errors import DomainError


class InvitationStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    OPENED = "opened"
    RESPONDED = "responded"
    EXPIRED = "expired"
    SUPPRESSED = "suppressed"


class SuppressionReason(enum.StrEnum):
    """Why an invitation was recorded but will not be sent."""

    UNSUBSCRIBED = "unsubscribed"
    THROTTLED = "throttled"
    SURVEY_DISABLED = "survey_disabled"
    BOUNCED = "bounced"


class InvalidTransition(DomainError):
    """A lifecycle move that the table below does not allow."""


S = InvitationStatus
ALLOWED: dict[InvitationStatus, frozenset[InvitationStatus]] = {
    S.SCHEDULED: frozenset({S.SENT, S.OPENED, S.RESPONDED, S.EXPIRED, S.SUPPRESSED}),
    S.SENT: frozenset({S.OPENED, S.RESPONDED, S.EXPIRED}),
    S.OPENED: frozenset({S.RESPONDED, S.EXPIRED}),
    S.RESPONDED: frozenset(),
    S.EXPIRED: frozenset(),
    S.SUPPRESSED: frozenset(),
}


def transition(current: InvitationStatus, target: InvitationStatus) -> InvitationStatus:
    """Return ``target`` if the lifecycle allows moving there from ``current``, else raise.

    A scheduled invitation may be answered before it is sent: the helpdesk can put the
    survey link in its own email the moment the interaction closes.
    """
    if target not in ALLOWED[current]:
        raise InvalidTransition(f"an invitation cannot go from {current.value} to {target.value}")
    return target
