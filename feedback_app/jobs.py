"""The scheduled jobs, by name: the scheduler and ``feedback run-job`` read this one table.

Each job is a plain function of ``now`` that runs inside an app context, does one bounded
batch of due work, commits, and returns how many items it handled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], int]
    #: How often the scheduler runs it, in seconds.
    every_seconds: int
    description: str


def all_jobs() -> dict[str, Job]:
    """Return every job by name; imported lazily so the CLI starts fast."""
    from feedback_app.services import dispatch, nps

    jobs = [
        Job(
            "dispatch-invitations",
            dispatch.dispatch_due_invitations,
            30,
            "Send scheduled survey invitations that are due.",
        ),
        Job(
            "schedule-nps",
            nps.schedule_due_nps,
            600,
            "Invite enrolled customers whose periodic NPS is due (suppressed ones recorded).",
        ),
    ]
    return {job.name: job for job in jobs}
