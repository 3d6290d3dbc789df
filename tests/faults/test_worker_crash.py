"""The worker killed with SIGKILL in the middle of a dispatch batch, then started again.

Delivery is at least once, with a bound on repeats. The deliverer commits its claim on a
batch (a lease of ``OUTBOX_LEASE_SECONDS``) before sending, then commits the results every
``RESULTS_PER_COMMIT`` (50) sends. A worker killed mid-batch leaves three kinds of rows, all
due again once the lease is over:

- sent and recorded: never sent again;
- claimed but not yet handed to the SMTP server: sent once, by the next run;
- handed to the server but not recorded (the sends since the last commit of results, the
  one in flight included): sent again, so at most ``RESULTS_PER_COMMIT`` messages repeat per
  crash, each with its row's Message-ID.

Here the server takes message 70 and never answers it, and the worker is killed then, the
worst moment: messages 51 to 70 must arrive twice, every other one once.
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from feedback_app.extensions import db
from feedback_app.models import Invitation, OutboxMessage, OutboxStatus
from feedback_app.services.outbox import RESULTS_PER_COMMIT
from surveys.invitations import InvitationStatus
from tests.delivery.sinks import Received, SmtpSink
from tests.faults.support import WatchedSink, due_invitations, worker_env
from tests.helpers import feedback_command, running

INVITATIONS = 2 * RESULTS_PER_COMMIT + 30
#: The worker dies while the server holds this message: 20 sends after the last commit.
KILLED_AT = RESULTS_PER_COMMIT + 20


def test_a_worker_killed_mid_batch_sends_everything_and_repeats_only_unrecorded_sends(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    due_invitations([f"c{n:03}@crash.example" for n in range(INVITATIONS)])
    db.session.remove()
    handler = WatchedSink(hold_at=KILLED_AT)
    sink = SmtpSink(handler)
    sink.start()
    # A short lease, so the rows of the killed batch come due again within seconds, and a
    # short send timeout, so the batch may still use most of it (see deliver_outbox).
    env = worker_env(
        database_url,
        sink.port,
        FEEDBACK_OUTBOX_LEASE_SECONDS="8",
        FEEDBACK_SMTP_TIMEOUT="2",
    )

    def all_arrived(received: list[Received]) -> bool:
        return len({r.message["Message-ID"] for r in received}) == INVITATIONS

    try:
        with running(feedback_command("worker"), env, tmp_path) as first:
            assert handler.holding.wait(60), "the worker never reached the held message"
            first.kill()
            assert first.wait(60) == -signal.SIGKILL
        assert len(handler.received) == KILLED_AT
        with running(feedback_command("worker"), env, tmp_path):
            handler.wait_for(all_arrived)
        # Leaving the block stopped the worker with SIGTERM: it finished its run first.
    finally:
        sink.stop()

    in_order = list(
        db.session.scalars(sa.select(OutboxMessage.delivery_id).order_by(OutboxMessage.id))
    )
    times_received = Counter(r.message["Message-ID"] for r in handler.received)
    assert len(in_order) == INVITATIONS
    assert set(times_received) == set(in_order)
    repeated = {message_id for message_id, times in times_received.items() if times > 1}
    assert repeated == set(in_order[RESULTS_PER_COMMIT:KILLED_AT])
    assert max(times_received.values()) == 2
    assert len(handler.received) == INVITATIONS + KILLED_AT - RESULTS_PER_COMMIT
    statuses = Counter(db.session.scalars(sa.select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.SENT: INVITATIONS}
    invitations = Counter(db.session.scalars(sa.select(Invitation.status)))
    assert invitations == {InvitationStatus.SENT: INVITATIONS}
