"""Survey email throughput: invitations rendered and delivered, against a bare smtplib loop.

Schedules INVITATIONS invitations in a fresh SQLite database, then times the real path:
``dispatch_due_invitations`` (render each email, write its outbox row) and ``deliver_outbox``
(send over one SMTP connection per batch, record each result). The baseline sends the same
messages, pre-rendered, with ``smtplib`` over one connection held open for the whole run. Both
go to the same local aiosmtpd sink, run in its own process so it does not compete with the
sender for the interpreter; the ratio of the two rates is the figure to watch (target: at
least 0.5).

The two alternate, one dispatch batch at a time: the real path dispatches and delivers a
batch, then the baseline sends that batch's messages. On a shared machine whose load drifts
during a run, both then see the same conditions, instead of one getting a quiet minute and
the other a busy one.

Run: ``.venv/bin/python benchmarks/send.py [--invitations N]``. ``run()`` returns the figures
as a dict (``dispatch_ratio`` among them) and ``table()`` prints them.
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
from feedback_app.models import Customer, OutboxMessage, OutboxStatus
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


def _prepared(after_id: int) -> list[tuple[str, str, bytes]]:
    """Envelope and wire bytes of every outbox email past ``after_id``, as the baseline sends."""
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.id > after_id).order_by(OutboxMessage.id)
    )
    return [(row.payload["sender"], row.recipient, wire_bytes(message_of(row))) for row in rows]


def _measure(port: int) -> dict[str, float]:
    """Alternate the real path and the baseline batch by batch; returns seconds and counts."""
    figures = dict.fromkeys(("dispatch", "deliver", "bare", "sent", "bare_sent"), 0.0)
    last_id = 0
    with smtplib.SMTP("127.0.0.1", port) as bare:
        while True:
            started = time.perf_counter()
            dispatched = dispatch_due_invitations(NOW)
            dispatched_at = time.perf_counter()
            while handled := deliver_outbox(NOW):
                figures["sent"] += handled
            figures["dispatch"] += dispatched_at - started
            figures["deliver"] += time.perf_counter() - dispatched_at
            if not dispatched:
                return figures
            messages = _prepared(last_id)
            last_id = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0
            db.session.commit()
            started = time.perf_counter()
            for sender, recipient, data in messages:
                bare.sendmail(sender, [recipient], data)
            figures["bare"] += time.perf_counter() - started
            figures["bare_sent"] += len(messages)


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
            seconds = _measure(port)
            unsent = db.session.scalar(
                sa.select(sa.func.count()).where(OutboxMessage.status != OutboxStatus.SENT)
            )
            db.session.remove()
            db.engine.dispose()
    assert seconds["sent"] == seconds["bare_sent"] == invitations and unsent == 0, seconds
    app_rate = invitations / (seconds["dispatch"] + seconds["deliver"])
    bare_rate = invitations / seconds["bare"]
    return {
        "invitations": invitations,
        "dispatch_emails_per_second": round(app_rate, 1),
        "bare_smtplib_emails_per_second": round(bare_rate, 1),
        "dispatch_ratio": round(app_rate / bare_rate, 3),
        "dispatch_seconds": round(seconds["dispatch"], 2),
        "deliver_seconds": round(seconds["deliver"], 2),
        "bare_seconds": round(seconds["bare"], 2),
    }


def table(figures: dict[str, Any]) -> str:
    """The figures of ``run()`` as a table of rates and their ratio to the baseline."""
    bare, count = figures["bare_smtplib_emails_per_second"], figures["invitations"]
    rows = [
        ("bare smtplib loop, pre-rendered (baseline)", bare),
        ("dispatch + deliver-outbox (render, outbox)", figures["dispatch_emails_per_second"]),
        ("  dispatch alone (render, outbox rows)", count / figures["dispatch_seconds"]),
        ("  deliver-outbox alone (send, record)", count / figures["deliver_seconds"]),
    ]
    lines = [f"{count:,} emails", f"{'measure':<44} {'emails/s':>10} {'ratio':>7}"]
    lines += [f"{label:<44} {rate:>10.1f} {rate / bare:>7.2f}" for label, rate in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitations", type=int, default=INVITATIONS)
    print(table(run(parser.parse_args().invitations)))


if __name__ == "__main__":
    main()
