"""``feedback serve``: the production web server (gunicorn)."""

from __future__ import annotations

import os
import sys

import click

from feedback_app.cli.startup import server_app

CONFIG = os.path.join(os.path.dirname(os.path.dirname(__file__)), "gunicorn_config.py")
#: What gunicorn's processes load: the app as a server runs it.
APP = "feedback_app:create_app(server=True)"


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.option(
    "--bind", "-b", default=None, help="host:port (default FEEDBACK_BIND or 127.0.0.1:8000)."
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    default=None,
    help="Web processes (default FEEDBACK_WEB_WORKERS, or two per core).",
)
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(bind: str | None, workers: int | None, gunicorn_args: tuple[str, ...]) -> None:
    """Serve the app with gunicorn (any further options are passed to gunicorn)."""
    # Through the environment, so that the check below, gunicorn's settings and every web
    # process count the same processes (the sign-in limits need shared counts for several).
    if bind:
        os.environ["FEEDBACK_BIND"] = bind
    if workers:
        os.environ["FEEDBACK_WEB_WORKERS"] = str(workers)
    server_app()
    args = [sys.executable, "-m", "gunicorn", "--config", CONFIG, *gunicorn_args, APP]
    os.execv(sys.executable, args)


SERVER_COMMANDS = [serve]
