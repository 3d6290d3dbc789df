"""Survey fatigue: whether a new invitation may go out, or why it is suppressed.

Times are compared at the moment invitations are *scheduled to go out* (``scheduled_for``),
the new one's included, so a delay does not let two invitations land close together.
Windows are half-open: an invitation exactly ``fatigue_days`` after the last one goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from surveys.invitations import SuppressionReason
from surveys.kinds import SurveyKind

SCHEDULE: Final = "schedule"
Decision = Literal["schedule"] | SuppressionReason


@dataclass(frozen=True)
class SurveyRules:
    """The parts of a survey that decide whether it may be sent."""

    kind: SurveyKind
    enabled: bool = True
    #: Minimum days since the customer's last invitation of any kind.
    fatigue_days: int = 7
    #: NPS only: minimum days since the customer's last NPS invitation.
    cadence_days: int | None = None


@dataclass(frozen=True)
class CustomerFacts:
    """What is known of the customer: opt-outs, bounces and their latest invitations.

    The ``last_*`` times are the latest ``scheduled_for`` of invitations that were not
    suppressed (scheduled, sent or in any later state).
    """

    unsubscribed_from_kind: bool = False
    unsubscribed_from_all: bool = False
    bounced: bool = False
    last_invited_at: datetime | None = None
    last_invited_at_of_kind: datetime | None = None


def decide(survey: SurveyRules, customer: CustomerFacts, send_at: datetime) -> Decision:
    """Return ``SCHEDULE``, or the reason an invitation going out at ``send_at`` is suppressed.

    Reasons are checked in this order, so the one recorded is the most lasting:
    the survey is disabled, the address bounced, the customer opted out (of this kind or of
    all), or the customer was invited too recently (``fatigue_days`` for any kind,
    ``cadence_days`` between two NPS). Bounced before unsubscribed, as the dispatch-time
    check in ``feedback_app.services.suppression`` orders them.
    """
    if not survey.enabled:
        return SuppressionReason.SURVEY_DISABLED
    if customer.bounced:
        return SuppressionReason.BOUNCED
    if customer.unsubscribed_from_kind or customer.unsubscribed_from_all:
        return SuppressionReason.UNSUBSCRIBED
    if _within(customer.last_invited_at, survey.fatigue_days, send_at):
        return SuppressionReason.THROTTLED
    if survey.kind is SurveyKind.NPS and _within(
        customer.last_invited_at_of_kind, survey.cadence_days, send_at
    ):
        return SuppressionReason.THROTTLED
    return SCHEDULE


def answered_recently(last_answered_at: datetime | None, fatigue_days: int, now: datetime) -> bool:
    """True if a customer's last answer to a survey is within its fatigue window of ``now``.

    The window that spaces invitations also spaces answers: a signed embed identity replayed
    within it cannot add a second response, as a second invitation could not have been sent.
    """
    return _within(last_answered_at, fatigue_days, now)


def _within(last: datetime | None, days: int | None, send_at: datetime) -> bool:
    """True if ``last`` is less than ``days`` before ``send_at`` (or after it)."""
    if last is None or not days:
        return False
    return send_at - last < timedelta(days=days)
