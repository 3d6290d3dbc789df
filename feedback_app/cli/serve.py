"""``feedback serve``: the production web server (gunicorn)."""

from __future__ import annotations

import os
import sys

import click

CONFIG = os.path.join(os.path.dirname(os.path.dirname(__file__)), "gunicorn_config.py")


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.option(
    "--bind", "-b", default=None, help="host:port (default FEEDBACK_BIND or 127.0.0.1:8000)."
)
@click.option("--workers", "-w", type=int, default=None, help="Web processes.")
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve(bind: str | None, workers: int | None, gunicorn_args: tuple[str, ...]) -> None:
    """Serve the app with gunicorn (any further options are passed to gunicorn)."""
    args = [sys.executable, "-m", "gunicorn", "--config", CONFIG]
    if bind:
        args += ["--bind", bind]
    if workers:
        args += ["--workers", str(workers)]
    args += [*gunicorn_args, "feedback_app:create_app()"]
    os.execv(sys.executable, args)


COMMANDS = [serve]
