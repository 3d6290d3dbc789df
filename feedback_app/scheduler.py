"""The APScheduler that runs the jobs of ``feedback_app.jobs`` on their intervals.

Built by ``feedback worker`` (its own process, blocking) and ``feedback dev`` (in the
development server's process); never by ``create_app``, or every web process and the
reloader's parent would run the jobs too. Jobs claim their rows, so even two schedulers
running at once never handle an item twice. A job run that finds the database out of reach
logs one line and ends; the next run, on the job's interval, picks the work up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from feedback_app.clock import utcnow
from feedback_app.config import ConfigError
from feedback_app.jobs import Job, all_jobs
from feedback_app.outage import UNAVAILABLE, abandon_transaction, describe

log = logging.getLogger(__name__)


def build_scheduler(
    app: Flask, *, blocking: bool = False, jobs: Iterable[Job] | None = None
) -> BaseScheduler:
    """A scheduler (not started) with one interval job per entry of ``jobs`` (default: all).

    Each job has a stable id (its name, so ``replace_existing`` swaps rather than doubles
    it), never overlaps itself (``max_instances=1``), and after a pause runs once, not once
    per missed interval (``coalesce``), as long as it is no later than one interval. Every
    job also runs once at start, so a restarted worker catches up at once. ``JOB_INTERVALS``
    replaces the interval of the jobs it names.
    """
    intervals: dict[str, int] = app.config["JOB_INTERVALS"]
    known = all_jobs()
    unknown = sorted(set(intervals) - set(known))
    if unknown:
        raise ConfigError(
            f"FEEDBACK_JOB_INTERVALS names unknown jobs: {', '.join(unknown)} "
            f"(jobs: {', '.join(known)})"
        )
    scheduler: BaseScheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        timezone=UTC
    )
    for job in jobs if jobs is not None else known.values():
        every = int(intervals.get(job.name, job.every_seconds))
        scheduler.add_job(
            run_job,
            trigger=IntervalTrigger(seconds=every, timezone=UTC),
            args=[app, job],
            id=job.name,
            name=job.description,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(every, 30),
            next_run_time=datetime.now(UTC),
        )
    return scheduler


def run_job(app: Flask, job: Job) -> int:
    """Run ``job`` once in its own app context (and so its own database session).

    The database out of reach is expected now and then (a restart, a failover): the run
    rolls back and returns 0 with one warning, and the scheduler carries on.
    """
    with app.app_context():
        try:
            handled = job.run(utcnow())
        except UNAVAILABLE as error:
            abandon_transaction()
            log.warning(
                "job %s: database unavailable, trying again at its next run: %s",
                job.name,
                describe(error),
            )
            return 0
    if handled:
        log.info("job %s handled %d", job.name, handled)
    return handled
