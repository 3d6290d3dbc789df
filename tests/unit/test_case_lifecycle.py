"""The follow-up case state machine and its deadline, reminder and escalation timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from surveys.cases import (
    ALLOWED,
    CaseClock,
    CaseStatus,
    DueAction,
    InvalidCaseChange,
    Outcome,
    deadline_wording,
    due_action,
    is_overdue,
    transition,
    within_deadline,
)

S = CaseStatus
OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REMIND_AT = OPENED + timedelta(hours=36)
DUE_AT = OPENED + timedelta(hours=48)

MOVES = {
    (S.OPEN, S.IN_PROGRESS), (S.OPEN, S.WAITING_ON_CUSTOMER), (S.OPEN, S.RESOLVED),
    (S.OPEN, S.CLOSED_WITHOUT_ACTION), (S.IN_PROGRESS, S.WAITING_ON_CUSTOMER),
    (S.IN_PROGRESS, S.RESOLVED), (S.IN_PROGRESS, S.CLOSED_WITHOUT_ACTION),
    (S.WAITING_ON_CUSTOMER, S.IN_PROGRESS), (S.WAITING_ON_CUSTOMER, S.RESOLVED),
    (S.WAITING_ON_CUSTOMER, S.CLOSED_WITHOUT_ACTION), (S.RESOLVED, S.IN_PROGRESS),
    (S.CLOSED_WITHOUT_ACTION, S.IN_PROGRESS),
}  # fmt: skip


@pytest.mark.parametrize(("current", "target"), [(a, b) for a in S for b in S])
def test_every_move_is_allowed_or_refused(current: CaseStatus, target: CaseStatus) -> None:
    outcome = Outcome.FIXED if target is S.RESOLVED else None
    if (current, target) in MOVES:
        assert transition(current, target, outcome) is target
    else:
        with pytest.raises(InvalidCaseChange) as error:
            transition(current, target, outcome)
        assert error.value.field == "status"


def test_the_table_is_the_documented_one() -> None:
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == MOVES


def test_resolving_needs_an_outcome_and_open_states_take_none() -> None:
    with pytest.raises(InvalidCaseChange, match="resolving a case needs an outcome"):
        transition(S.OPEN, S.RESOLVED)
    with pytest.raises(InvalidCaseChange, match="only a resolved or closed case"):
        transition(S.OPEN, S.IN_PROGRESS, Outcome.FIXED)
    assert (
        transition(S.OPEN, S.CLOSED_WITHOUT_ACTION, Outcome.UNREACHABLE) is S.CLOSED_WITHOUT_ACTION
    )
    assert transition(S.OPEN, S.CLOSED_WITHOUT_ACTION) is S.CLOSED_WITHOUT_ACTION


def clock(
    status: CaseStatus = S.OPEN, reminded: bool = False, escalated: bool = False
) -> CaseClock:
    return CaseClock(
        status=status,
        remind_at=REMIND_AT,
        due_at=DUE_AT,
        reminded_at=REMIND_AT if reminded else None,
        escalated_at=DUE_AT if escalated else None,
    )


@pytest.mark.parametrize(
    ("now", "case", "expected"),
    [
        (OPENED, clock(), None),
        (REMIND_AT - timedelta(seconds=1), clock(), None),
        (REMIND_AT, clock(), DueAction.REMIND),
        (REMIND_AT, clock(S.IN_PROGRESS), DueAction.REMIND),
        (REMIND_AT, clock(S.WAITING_ON_CUSTOMER), DueAction.REMIND),
        (REMIND_AT, clock(reminded=True), None),
        (DUE_AT - timedelta(seconds=1), clock(reminded=True), None),
        (DUE_AT, clock(reminded=True), DueAction.ESCALATE),
        (DUE_AT, clock(), DueAction.ESCALATE),
        (DUE_AT + timedelta(days=3), clock(reminded=True, escalated=True), None),
        (REMIND_AT, clock(S.RESOLVED), None),
        (DUE_AT, clock(S.CLOSED_WITHOUT_ACTION), None),
    ],
)
def test_due_action(now: datetime, case: CaseClock, expected: DueAction | None) -> None:
    assert due_action(case, now) is expected


def test_overdue_and_within_deadline() -> None:
    assert not is_overdue(S.OPEN, DUE_AT, DUE_AT - timedelta(seconds=1))
    assert is_overdue(S.OPEN, DUE_AT, DUE_AT)
    assert not is_overdue(S.RESOLVED, DUE_AT, DUE_AT + timedelta(days=1))
    assert within_deadline(DUE_AT, DUE_AT)
    assert not within_deadline(DUE_AT + timedelta(seconds=1), DUE_AT)


@pytest.mark.parametrize(
    ("left", "wording"),
    [
        (timedelta(0), "due now"),
        (timedelta(seconds=1), "due in less than a minute"),
        (timedelta(seconds=59), "due in less than a minute"),
        (timedelta(minutes=1), "due in 1 minute"),
        (timedelta(minutes=2), "due in 2 minutes"),
        (timedelta(minutes=59, seconds=59), "due in 59 minutes"),
        (timedelta(hours=1), "due in 1 hour"),
        (timedelta(hours=5, minutes=59), "due in 5 hours"),
        (timedelta(hours=23, minutes=59), "due in 23 hours"),
        (timedelta(days=1), "due in 24 hours"),
        (timedelta(hours=47, minutes=59), "due in 47 hours"),
        (timedelta(days=2), "due in 2 days"),
        (timedelta(days=5, hours=23), "due in 5 days"),
        (-timedelta(seconds=1), "overdue by less than a minute"),
        (-timedelta(minutes=1), "overdue by 1 minute"),
        (-timedelta(minutes=59), "overdue by 59 minutes"),
        (-timedelta(hours=1), "overdue by 1 hour"),
        (-timedelta(hours=25), "overdue by 25 hours"),
        (-timedelta(days=2), "overdue by 2 days"),
        (-timedelta(days=3, hours=2), "overdue by 3 days"),
        (-timedelta(days=400), "overdue by 400 days"),
    ],
)
def test_deadlines_are_told_in_whole_units_days_from_two(left: timedelta, wording: str) -> None:
    assert deadline_wording(DUE_AT, DUE_AT - left) == wording
