"""What the running processes report about themselves."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base


class WorkerHeartbeat(Base):
    """One row per scheduler process, touched by its ``heartbeat`` job."""

    __tablename__ = "worker_heartbeats"

    #: ``host:pid`` of the process.
    worker: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime] = mapped_column(index=True)
