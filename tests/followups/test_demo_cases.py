"""The demo works its cases as a team would: months of settled cases behind a queue that
holds recent, in-progress, waiting and overdue ones."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from feedback_app.demo import _work_cases
from feedback_app.extensions import db
from feedback_app.models import FollowUpCase
from surveys.cases import CaseStatus, is_overdue
from tests.followups.conftest import Answer, Org


def test_old_cases_are_settled_and_the_last_weeks_make_a_queue(
    answer: Answer, org: Org, clock: Any
) -> None:
    """A low score a day for 60 days, worked each evening as the demo does; then one more
    this morning, not worked yet."""
    for day in range(60):
        answer(1, email=f"customer{day}@example.com")
        clock.advance(days=1)
        _work_cases(clock.now, {"manager@example.com": org.manager})
    answer(1, email="this.morning@example.com")
    _work_cases(clock.now, {"manager@example.com": org.manager})
    cases = db.session.scalars(sa.select(FollowUpCase).order_by(FollowUpCase.id)).all()
    settled = {CaseStatus.RESOLVED, CaseStatus.CLOSED_WITHOUT_ACTION}
    # Nothing waits longer than 40 days.
    assert {case.status for case in cases[:20]} <= settled
    queue = Counter(
        (case.status, is_overdue(case.status, case.due_at, clock.now))
        for case in cases
        if case.status not in settled
    )
    assert queue == {
        (CaseStatus.OPEN, True): 4,
        (CaseStatus.IN_PROGRESS, True): 5,
        (CaseStatus.WAITING_ON_CUSTOMER, True): 3,
        (CaseStatus.OPEN, False): 1,
    }
    assert cases[-1].status is CaseStatus.OPEN
    assert Counter(case.status for case in cases if case.status in settled) == {
        CaseStatus.RESOLVED: 48
    }
