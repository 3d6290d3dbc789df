"""Worker liveness: each scheduler process beats; ``/healthz`` reads the latest beat."""

from __future__ import annotations

import os
import socket
from datetime import datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models.operations import WorkerHeartbeat

#: A worker that has not beaten for this long is reported as stale.
STALE_AFTER_SECONDS = 180


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(now: datetime) -> int:
    """Job ``heartbeat``: record that this process's scheduler is alive; commits."""
    name = worker_name()
    row = db.session.get(WorkerHeartbeat, name)
    if row is None:
        db.session.add(WorkerHeartbeat(worker=name, started_at=now, beat_at=now))
    else:
        row.beat_at = now
    db.session.commit()
    return 0


def last_beat() -> datetime | None:
    """The newest heartbeat of any worker, or None if no worker has ever run."""
    return db.session.scalar(sa.select(sa.func.max(WorkerHeartbeat.beat_at)))
