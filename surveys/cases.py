"""The follow-up case lifecycle and its timing, as an explicit state machine.

A case moves between the states in ``ALLOWED``; resolving needs an outcome; a closed case
can be reopened. The timing functions decide, from a case's dates and ``now``, whether its
owner is due a reminder or the admins an escalation.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.errors import DomainError


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED_WITHOUT_ACTION = "closed_without_action"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Outcome(enum.StrEnum):
    FIXED = "fixed"
    EXPLAINED = "explained"
    COMPENSATED = "compensated"
    CHURNED = "churned"
    UNREACHABLE = "unreachable"


class InvalidCaseChange(DomainError):
    """A status or outcome change the lifecycle does not allow."""


S = CaseStatus
#: States in which a case still needs work, is reminded about and can become overdue.
ACTIVE: frozenset[CaseStatus] = frozenset({S.OPEN, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER})
CLOSED: frozenset[CaseStatus] = frozenset({S.RESOLVED, S.CLOSED_WITHOUT_ACTION})
ALLOWED: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED_WITHOUT_ACTION}),
    S.IN_PROGRESS: frozenset({S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED_WITHOUT_ACTION}),
    S.WAITING_ON_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CLOSED_WITHOUT_ACTION}),
    # Reopening: the customer came back, or the case was closed by mistake.
    S.RESOLVED: frozenset({S.IN_PROGRESS}),
    S.CLOSED_WITHOUT_ACTION: frozenset({S.IN_PROGRESS}),
}
#: Reaching these states means someone spoke with the customer.
CONTACT_STATES: frozenset[CaseStatus] = frozenset({S.WAITING_ON_CUSTOMER, S.RESOLVED})


def transition(
    current: CaseStatus, target: CaseStatus, outcome: Outcome | None = None
) -> CaseStatus:
    """Return ``target`` if a case may move there from ``current`` with ``outcome``, else raise.

    Resolving needs an outcome; closing without action may carry one (say, unreachable);
    other states take none.
    """
    if target not in ALLOWED[current]:
        raise InvalidCaseChange(
            f"a case cannot go from {current.label.lower()} to {target.label.lower()}", "status"
        )
    check_outcome(target, outcome)
    return target


def check_outcome(status: CaseStatus, outcome: Outcome | None) -> Outcome | None:
    """Return ``outcome`` if a case in ``status`` may carry it, else raise."""
    if status is S.RESOLVED and outcome is None:
        raise InvalidCaseChange("resolving a case needs an outcome", "outcome")
    if status not in CLOSED and outcome is not None:
        raise InvalidCaseChange("only a resolved or closed case has an outcome", "outcome")
    return outcome


class DueAction(enum.StrEnum):
    REMIND = "remind"
    ESCALATE = "escalate"


@dataclass(frozen=True)
class CaseClock:
    """The dates that decide what a case is due."""

    status: CaseStatus
    remind_at: datetime
    due_at: datetime
    reminded_at: datetime | None
    escalated_at: datetime | None


def due_action(case: CaseClock, now: datetime) -> DueAction | None:
    """What the scheduler owes this case at ``now``: a reminder, an escalation, or nothing.

    A case past its deadline is escalated once; a reminder that was never sent before the
    deadline is skipped, since the escalation says more.
    """
    if case.status not in ACTIVE:
        return None
    if now >= case.due_at:
        return DueAction.ESCALATE if case.escalated_at is None else None
    if now >= case.remind_at and case.reminded_at is None:
        return DueAction.REMIND
    return None


def is_overdue(status: CaseStatus, due_at: datetime, now: datetime) -> bool:
    """An active case whose deadline has come."""
    return status in ACTIVE and now >= due_at


#: The units a deadline is told in, largest first, each with the least it tells: days only
#: from two, so that the last two days (a usual deadline's whole span) count in hours.
_UNITS = (
    ("day", timedelta(days=1), timedelta(days=2)),
    ("hour", timedelta(hours=1), timedelta(hours=1)),
    ("minute", timedelta(minutes=1), timedelta(minutes=1)),
)


def deadline_wording(due_at: datetime, now: datetime) -> str:
    """How far ``due_at`` is from ``now``, as staff read it at a glance ("overdue by 3 days",
    "due in 5 hours"): in the largest unit that fits, rounded down."""
    if due_at == now:
        return "due now"
    left = abs(due_at - now)
    amount = "less than a minute"
    for unit, step, least in _UNITS:
        if left >= least:
            count = left // step
            amount = f"{count} {unit}{'' if count == 1 else 's'}"
            break
    return f"due in {amount}" if due_at > now else f"overdue by {amount}"


def within_deadline(closed_at: datetime, due_at: datetime) -> bool:
    """Whether a case closed at ``closed_at`` met its deadline."""
    return closed_at <= due_at
