"""Running scheduled jobs by hand."""

from __future__ import annotations

import click

from feedback_app.clock import utcnow
from feedback_app.jobs import all_jobs


@click.command("run-job")
@click.argument("name")
def run_job(name: str) -> None:
    """Run the scheduled job NAME once, now."""
    jobs = all_jobs()
    if name not in jobs:
        raise click.BadParameter(
            f"unknown job; one of: {', '.join(sorted(jobs))}", param_hint="NAME"
        )
    handled = jobs[name].run(utcnow())
    click.echo(f"{name}: {handled} handled")


COMMANDS = [run_job]
