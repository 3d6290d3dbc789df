"""Survey email throughput: invitations rendered and delivered, against a bare smtplib loop.

Schedules INVITATIONS invitations in a fresh SQLite database, then times the real path:
``dispatch_due_invitations`` (render each email, write its outbox row) and ``deliver_outbox``
(send over one SMTP connection per batch, record each result), until none is left. The
baseline sends the same number of pre-rendered messages with ``smtplib`` over one connection.
Both go to the same local aiosmtpd sink, run in its own process so it does not compete with
the sender for the interpreter; the ratio of the two rates is the figure to watch (target:
at least 0.5).

Run: ``.venv/bin/python benchmarks/send.py [--invitations N]``. ``run()`` returns the figures
as a dict (``dispatch_ratio`` among them).
"""

from __future__ import annotations

import argparse
import smtplib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_migrate import upgrade

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Customer, OutboxMessage
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.invitations import add_invitation
from feedback_app.services.outbox import deliver_outbox, message_of
from feedback_app.services.surveys import survey_for_kind
from notifications import wire_bytes
from surveys import SurveyKind

INVITATIONS = 10_000
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

#: The sink: an aiosmtpd server that accepts and forgets every message, printing its port.
SINK = """
import asyncio, sys
from aiosmtpd.controller import Controller
class Forget:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
class Sink(Controller):
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()
sink = Sink(Forget(), hostname="127.0.0.1", port=0)
sink.start()
print(sink.port, flush=True)
sys.stdin.read()
sink.stop()
"""


@contextmanager
def smtp_sink() -> Iterator[int]:
    """Run the sink in a child process; yields its port."""
    process = subprocess.Popen(
        [sys.executable, "-c", SINK], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        yield int(process.stdout.readline())
    finally:
        process.stdin.close()
        process.wait(timeout=30)
        process.stdout.close()


def _schedule(count: int) -> None:
    survey = survey_for_kind(SurveyKind.CSAT, NOW)
    customers = [
        Customer(
            email=f"customer{i}@example.com", name=f"Customer {i}", created_at=NOW, updated_at=NOW
        )
        for i in range(count)
    ]
    db.session.add_all(customers)
    db.session.flush()
    for customer in customers:
        add_invitation(survey, customer, NOW)
    db.session.commit()


def _timed_pipeline() -> tuple[float, int]:
    """Dispatch and deliver until nothing is left; returns (seconds, emails sent)."""
    started = time.perf_counter()
    while dispatch_due_invitations(NOW):
        pass
    sent = 0
    while handled := deliver_outbox(NOW):
        sent += handled
    return time.perf_counter() - started, sent


def _bare_loop(port: int, messages: list[tuple[str, str, bytes]]) -> float:
    """Send pre-rendered messages over one smtplib connection; returns the seconds taken."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for sender, recipient, data in messages:
            smtp.sendmail(sender, [recipient], data)
    return time.perf_counter() - started


def run(invitations: int = INVITATIONS) -> dict[str, Any]:
    """Measure both paths in one run and return emails per second and their ratio."""
    with tempfile.TemporaryDirectory() as folder, smtp_sink() as port:
        app = create_app(
            {
                "ENV": "testing",
                "SECRET_KEY": "benchmark",
                "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.sqlite'}",
                "BASE_URL": "https://feedback.example.com",
                "COMPANY_NAME": "Acme",
                "MAIL_BACKEND": "smtp",
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": port,
            },
            instance_path=folder,
        )
        with app.app_context():
            upgrade()
            _schedule(invitations)
            pipeline_seconds, sent = _timed_pipeline()
            assert sent == invitations, f"sent {sent} of {invitations}"
            rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
            prepared = [
                (row.payload["sender"], row.recipient, wire_bytes(message_of(row))) for row in rows
            ]
            db.session.remove()
            db.engine.dispose()
        bare_seconds = _bare_loop(port, prepared)
    app_rate = invitations / pipeline_seconds
    bare_rate = invitations / bare_seconds
    return {
        "invitations": invitations,
        "dispatch_emails_per_second": round(app_rate, 1),
        "bare_smtplib_emails_per_second": round(bare_rate, 1),
        "dispatch_ratio": round(app_rate / bare_rate, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitations", type=int, default=INVITATIONS)
    figures = run(parser.parse_args().invitations)
    print(f"{'measure':<44} {'emails/s':>10} {'ratio':>7}")
    print(
        f"{'bare smtplib loop, pre-rendered (baseline)':<44} "
        f"{figures['bare_smtplib_emails_per_second']:>10.1f} {1:>7.2f}"
    )
    print(
        f"{'dispatch + deliver-outbox (render, outbox)':<44} "
        f"{figures['dispatch_emails_per_second']:>10.1f} {figures['dispatch_ratio']:>7.2f}"
    )


if __name__ == "__main__":
    main()
