"""Commands that repair derived data after a configuration change."""

from __future__ import annotations

import click

from feedback_app.audit import service as audit
from feedback_app.services.rebucketing import rebucket_responses


@click.command("rebucket")
def rebucket() -> None:
    """Re-file stored responses by each survey's current thresholds."""
    changed = rebucket_responses()
    total = sum(changed.values())
    audit.record("survey.rebucketed", details={"moved": total}, commit=True)
    click.echo(f"{total} responses re-filed" + (f" in {len(changed)} surveys" if changed else ""))


COMMANDS = [rebucket]
