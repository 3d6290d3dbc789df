"""What the fault tests share: an SMTP sink one can wait on, due invitations, a worker's env."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiosmtpd.smtp import SMTP, Envelope, Session

from feedback_app.extensions import db
from feedback_app.models import Customer
from feedback_app.services.invitations import add_invitation
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind
from tests.delivery.sinks import Received, SinkHandler
from tests.helpers import production_env

#: The worker's jobs of interest run every second in these tests (30 and 15 s by default).
FAST_JOBS = {"dispatch-invitations": 1, "deliver-outbox": 1}


class WatchedSink(SinkHandler):
    """Keeps every message and lets a test wait for what it expects to arrive.

    With ``hold_at`` set, the message that makes that count is kept but never answered, as
    a server that took a message while its client died before hearing so: the client's
    connection closing ends the wait.
    """

    def __init__(self, hold_at: int = 0) -> None:
        super().__init__()
        self.hold_at = hold_at
        self.holding = threading.Event()
        self._arrived = threading.Condition()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        with self._arrived:
            self._arrived.notify_all()
        if len(self.received) == self.hold_at:
            self.holding.set()
            await asyncio.Event().wait()
        return reply

    def wait_for(
        self, expected: Callable[[list[Received]], bool], deadline_seconds: float = 60
    ) -> None:
        """Return once ``expected(received)`` holds; fail after ``deadline_seconds``."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: expected(self.received), deadline_seconds)
        assert arrived, f"{len(self.received)} messages arrived, not the ones expected"

    def recipients(self) -> set[str]:
        return {received.recipients[0] for received in self.received}


def due_invitations(emails: list[str]) -> None:
    """A CSAT invitation for each address, due a minute ago by the real clock; commits."""
    now = datetime.now(UTC)
    survey = survey_for_kind(SurveyKind.CSAT, now)
    for email in emails:
        customer = Customer(email=email, created_at=now, updated_at=now)
        db.session.add(customer)
        add_invitation(survey, customer, now, scheduled_for=now - timedelta(minutes=1))
    db.session.commit()


def worker_env(database_url: str, smtp_port: int, **extra: str) -> dict[str, str]:
    """A production worker's environment: SMTP to the local sink, the jobs above every second."""
    return production_env(
        database_url,
        FEEDBACK_MAIL_BACKEND='"smtp"',
        FEEDBACK_SMTP_HOST='"127.0.0.1"',
        FEEDBACK_SMTP_PORT=str(smtp_port),
        FEEDBACK_JOB_INTERVALS=json.dumps(FAST_JOBS),
        **extra,
    )
