"""The real APScheduler, and two workers racing over the same due rows."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_app.config import ConfigError
from feedback_app.extensions import db
from feedback_app.jobs import Job, all_jobs
from feedback_app.models import (
    CaseEvent,
    EventKind,
    FollowUpCase,
    Invitation,
    OutboxMessage,
    ScoreRollup,
)
from feedback_app.scheduler import build_scheduler
from feedback_app.services import followups, invitation_upkeep
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.invitation_upkeep import expire_invitations
from feedback_app.services.rollups import rollup_differences
from feedback_app.services.settling import backlog, settle_answers
from surveys.invitations import InvitationStatus
from tests.followups.conftest import Answer
from tests.helpers import race, store_answer

WAIT = 10


def test_the_scheduler_registers_every_job_once_with_safe_settings(app: Flask) -> None:
    scheduler = build_scheduler(app)
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == sorted(all_jobs())
    assert {"dispatch-invitations", "deliver-outbox", "remind-invitations", "expire-invitations",
            "followup-deadlines", "weekly-digest"} <= set(jobs)  # fmt: skip
    for name, job in jobs.items():
        assert (job.max_instances, job.coalesce) == (1, True), name
        assert job.misfire_grace_time >= all_jobs()[name].every_seconds
        assert job.trigger.interval == timedelta(seconds=all_jobs()[name].every_seconds)


def test_job_intervals_replace_the_named_jobs_intervals_and_refuse_unknown_names(
    app: Flask,
) -> None:
    app.config["JOB_INTERVALS"] = {"deliver-outbox": 2}
    jobs = {job.id: job for job in build_scheduler(app).get_jobs()}
    assert jobs["deliver-outbox"].trigger.interval == timedelta(seconds=2)
    assert jobs["dispatch-invitations"].trigger.interval == timedelta(seconds=30)
    app.config["JOB_INTERVALS"] = {"deliver-outbx": 2}
    with pytest.raises(ConfigError, match="names unknown jobs: deliver-outbx "):
        build_scheduler(app)


def test_the_real_scheduler_runs_a_job_on_its_interval(
    app: Flask, make_invitation: Callable[..., Any], clock: Any
) -> None:
    invitation, _ = make_invitation()
    clock.advance(days=31)
    runs: list[int] = []
    twice = threading.Event()

    def expire_and_count(now: datetime) -> int:
        runs.append(expire_invitations(now))
        if len(runs) == 2:
            twice.set()
        return runs[-1]

    scheduler = build_scheduler(
        app, jobs=[Job("expire-invitations", expire_and_count, 1, "Expire, and count runs.")]
    )
    scheduler.start()
    try:
        assert twice.wait(WAIT), "the job did not run twice"
    finally:
        scheduler.shutdown(wait=True)
    assert runs == [1, 0]
    db.session.refresh(invitation)
    assert invitation.status is InvitationStatus.EXPIRED


def test_two_workers_send_each_reminder_and_escalation_exactly_once(
    app: Flask, answer: Answer, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(followups, "BATCH_SIZE", 3)
    cases = [answer(1, email=f"c{i}@example.com").id for i in range(12)]
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    db.session.remove()
    clock.advance(hours=36)
    totals = race(app, followups.process_deadlines, clock.now)
    assert sum(totals) == 12
    reminders = db.session.scalars(
        sa.select(CaseEvent.case_id).where(CaseEvent.kind == EventKind.REMINDER)
    ).all()
    assert sorted(reminders) == sorted(cases)
    after = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    assert after - before == 12
    clock.advance(hours=12)
    db.session.remove()
    assert sum(race(app, followups.process_deadlines, clock.now)) == 12
    escalated = db.session.scalars(
        sa.select(CaseEvent.case_id).where(CaseEvent.kind == EventKind.ESCALATION)
    ).all()
    assert sorted(escalated) == sorted(cases)


def test_two_workers_send_each_invitation_and_reminder_exactly_once(
    app: Flask, make_invitation: Callable[..., Any], clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DISPATCH_BATCH_SIZE", 3)
    monkeypatch.setattr(invitation_upkeep, "BATCH_SIZE", 3)
    ids = [make_invitation(email=f"c{i}@example.com")[0].id for i in range(12)]
    db.session.get(Invitation, ids[0]).survey.reminder_days = 2  # type: ignore[union-attr]
    db.session.commit()
    db.session.remove()
    assert sum(race(app, dispatch_due_invitations, clock.now)) == 12
    clock.advance(days=2)
    assert sum(race(app, invitation_upkeep.remind_invitations, clock.now)) == 12
    sent = db.session.execute(
        sa.select(OutboxMessage.purpose, OutboxMessage.invitation_id).order_by(OutboxMessage.id)
    ).all()
    assert sorted(sent) == sorted([("invitation", i) for i in ids] + [("reminder", i) for i in ids])


def test_two_workers_settle_each_answer_exactly_once(
    app: Flask, make_invitation: Callable[..., Any], clock: Any
) -> None:
    scores = [1, 5, 2, 4, 3] * 4
    for number, score in enumerate(scores):
        invitation, _ = make_invitation("csat", email=f"c{number}@example.com")
        store_answer(invitation, score, clock.now)
    db.session.remove()
    assert sum(race(app, lambda _now: settle_answers(limit=3), clock.now)) == 20
    opened = db.session.scalars(sa.select(FollowUpCase.score)).all()
    assert sorted(opened) == [1] * 4 + [2] * 4
    all_days = db.session.scalar(sa.select(ScoreRollup).where(ScoreRollup.dimension == "all"))
    assert [getattr(all_days, f"s{score}") for score in range(1, 6)] == [4] * 5
    assert rollup_differences() == []
    assert backlog() == (0, None)
