"""Customers answering at once while a worker dispatches and a manager reads the dashboard.

Runs the production set-up for real: gunicorn (``feedback serve``) with two processes, a
separate ``feedback worker`` sending to a local SMTP server, and 16 customer clients that
each open a survey page and post an answer, for ``FEEDBACK_TEST_LOAD_SECONDS`` (default 20).
Every answer the server accepted must be stored exactly once, and nothing may answer 5xx;
the worker then settles them all: a case for each low score, and rollups that agree.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask import Flask

from feedback_app.extensions import db
from feedback_app.models import Customer, FollowUpCase, Invitation, Response, Role, User
from feedback_app.services.invitations import add_invitation, token_for
from feedback_app.services.rollups import rollup_differences
from feedback_app.services.settling import backlog
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind
from surveys.invitations import InvitationStatus
from surveys.tokens import hash_token
from tests.conftest import TEST_PASSWORD, TEST_PASSWORD_HASH
from tests.delivery.sinks import SinkHandler, SmtpSink
from tests.helpers import (
    Running,
    csrf_from,
    feedback_command,
    free_port,
    production_env,
    running,
    wait_for_line,
)

CUSTOMERS = 16
SECONDS = float(os.environ.get("FEEDBACK_TEST_LOAD_SECONDS", "20"))
#: More than 16 clients can answer in the run, so no client ever runs out of surveys.
INVITATIONS = 4000
DUE_FOR_DISPATCH = 300


@dataclass
class Tally:
    accepted: dict[str, int] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    dashboard_loads: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, response: requests.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.errors.append(f"{response.status_code} {response.url}")


def seed(now: datetime) -> tuple[list[tuple[str, int]], int]:
    """Invitations to answer (token, score) and some due for the worker to send."""
    survey = survey_for_kind(SurveyKind.CSAT, now)
    customers = [
        Customer(email=f"c{n}@load.example", created_at=now, updated_at=now)
        for n in range(INVITATIONS + DUE_FOR_DISPATCH)
    ]
    db.session.add_all(customers)
    db.session.flush()
    answerable = []
    for number, customer in enumerate(customers[:INVITATIONS]):
        invitation = add_invitation(survey, customer, now, scheduled_for=now + timedelta(days=1))
        answerable.append((token_for(invitation), 1 + number % 5))
    for customer in customers[INVITATIONS:]:
        add_invitation(survey, customer, now, scheduled_for=now - timedelta(minutes=1))
    db.session.add(
        User(
            email="manager@example.com",
            role=Role.MANAGER,
            password_hash=TEST_PASSWORD_HASH,
            created_at=now,
        )
    )
    db.session.commit()
    return answerable, survey.id


def customer(base: str, work: queue.Queue[tuple[str, int]], stop: float, tally: Tally) -> None:
    """Answer surveys one after another, as a customer's browser would."""
    with requests.Session() as session:
        while time.monotonic() < stop:
            try:
                token, score = work.get_nowait()
            except queue.Empty:
                return
            page = session.get(f"{base}/s/{token}", timeout=60)
            tally.saw(page)
            if page.status_code != 200:
                continue
            answer = session.post(
                f"{base}/s/{token}",
                data={"csrf_token": csrf_from(page.text), "score": str(score), "comment": token},
                allow_redirects=False,
                timeout=60,
            )
            tally.saw(answer)
            if answer.status_code == 303:
                with tally.lock:
                    tally.accepted[token] = score


def manager(base: str, stop: float, tally: Tally) -> None:
    """Log in and keep reloading the dashboard."""
    with requests.Session() as session:
        login = session.get(f"{base}/login", timeout=60)
        session.post(
            f"{base}/login",
            data={
                "email": "manager@example.com",
                "password": TEST_PASSWORD,
                "csrf_token": csrf_from(login.text),
            },
            timeout=60,
        )
        while time.monotonic() < stop:
            page = session.get(f"{base}/dashboard", timeout=60)
            tally.saw(page)
            if page.status_code == 200:
                tally.dashboard_loads += 1


def wait_until_settled(worker: Running) -> None:
    """Wait for the worker, which settles answers every second, to settle them all.

    Checked again after each run of its job that settled some.
    """
    while backlog()[0]:
        db.session.rollback()
        wait_for_line(worker, "job settle-answers handled")
    db.session.rollback()


@pytest.mark.load
def test_every_accepted_answer_is_stored_once_under_load(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    answerable, survey_id = seed(now)
    work: queue.Queue[tuple[str, int]] = queue.Queue()
    for item in answerable:
        work.put(item)
    db.session.remove()

    sink = SmtpSink(SinkHandler())
    sink.start()
    port = free_port()
    env = production_env(
        database_url,
        FEEDBACK_MAIL_BACKEND='"smtp"',
        FEEDBACK_SMTP_HOST='"127.0.0.1"',
        FEEDBACK_SMTP_PORT=str(sink.port),
    )
    serve = feedback_command("serve", "--bind", f"127.0.0.1:{port}", "--workers", "2")
    tally = Tally()
    try:
        with (
            running(serve, env, tmp_path) as server,
            running(feedback_command("worker"), env, tmp_path) as worker,
        ):
            wait_for_line(server, "Booting worker")
            base = f"http://127.0.0.1:{port}"
            stop = time.monotonic() + SECONDS
            threads = [
                threading.Thread(target=customer, args=(base, work, stop, tally))
                for _ in range(CUSTOMERS)
            ]
            threads.append(threading.Thread(target=manager, args=(base, stop, tally)))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wait_until_settled(worker)
    finally:
        sink.stop()

    assert tally.errors == []
    assert tally.accepted, tally.statuses
    assert tally.dashboard_loads > 0
    stored = dict(
        db.session.execute(
            sa.select(Invitation.token_hash, Response.score)
            .join(Response, Response.invitation_id == Invitation.id)
            .where(Response.survey_id == survey_id)
        ).all()
    )
    assert len(stored) == db.session.scalar(sa.select(sa.func.count()).select_from(Response))
    assert stored == {hash_token(token): score for token, score in tally.accepted.items()}
    responded = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.status == InvitationStatus.RESPONDED)
    )
    assert responded == len(tally.accepted)
    # The worker settled every answer: one case per low score, and rollups that agree.
    low = sum(1 for score in tally.accepted.values() if score <= 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpCase)) == low
    assert rollup_differences() == []
    sent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.status == InvitationStatus.SENT)
    )
    assert sent == DUE_FOR_DISPATCH
    # Customers get survey emails; the manager gets follow-up alerts for the low scores.
    invitations = [
        received.message["Message-ID"]
        for received in sink.handler.received
        if received.recipients[0].endswith("@load.example")
    ]
    assert len(invitations) == len(set(invitations)) <= DUE_FOR_DISPATCH
