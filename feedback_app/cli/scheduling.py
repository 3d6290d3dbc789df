"""``feedback worker`` (the scheduler on its own) and ``feedback dev`` (server plus scheduler)."""

from __future__ import annotations

import signal
from types import FrameType

import click
from flask import Flask, current_app
from werkzeug.serving import is_running_from_reloader, run_simple

from feedback_app import BASE_URL_SET, development
from feedback_app.cli.startup import readable_start, server_app
from feedback_app.config import listening_url
from feedback_app.scheduler import build_scheduler


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


@click.command("worker")
def worker() -> None:
    """Run the scheduled jobs until stopped (production runs this as its own process)."""
    app = server_app()
    with readable_start():
        scheduler = build_scheduler(app, blocking=True)

    def stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"worker: signal {signum}, finishing running jobs")
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"worker: running {', '.join(job.id for job in scheduler.get_jobs())}")
    with app.app_context():
        scheduler.start()


@click.command("dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=click.IntRange(1, 65535), show_default=True)
@click.option("--reload/--no-reload", default=True, help="Restart when the code changes.")
@click.option("--jobs/--no-jobs", default=True, help="Run the scheduler in this process.")
def dev(host: str, port: int, reload: bool, jobs: bool) -> None:
    """Serve for development, with the scheduled jobs running inside the server's process.

    Links in emails, the embed snippet, webhooks and digests point at this server unless
    ``FEEDBACK_BASE_URL`` says otherwise.
    """
    app = _app()
    if not development(app):
        raise click.ClickException(
            "feedback dev is for development; in production run `feedback serve` and "
            "`feedback worker`"
        )
    if not app.extensions[BASE_URL_SET]:
        app.config["BASE_URL"] = listening_url(host, port)
    if not is_running_from_reloader():
        click.echo(f"links in emails and webhooks point at {app.config['BASE_URL']}")
    # With the reloader, this process only watches files and restarts a child that serves;
    # the scheduler belongs in that child, once.
    if jobs and (not reload or is_running_from_reloader()):
        build_scheduler(app).start()
    run_simple(host, port, app, use_reloader=reload, threaded=True)


COMMANDS = [dev]
#: Run by the ``feedback`` command itself, building their own app (``server_app``).
SERVER_COMMANDS = [worker]
