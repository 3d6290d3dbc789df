"""Commands for the outbox and suppressions: ``feedback outbox …`` and ``feedback bounce``."""

from __future__ import annotations

import click

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.ingest.people import normalize_email
from feedback_app.services import outbox
from feedback_app.services.suppression import record_bounce


@click.group("outbox")
def outbox_group() -> None:
    """Inspect and retry the emails and webhooks waiting to be sent."""


@outbox_group.command("status")
def status() -> None:
    """Count the outbox rows in each status."""
    for state, count in outbox.status_counts().items():
        click.echo(f"{state.value}\t{count}")


@outbox_group.command("retry")
def retry() -> None:
    """Make every pending, failed and dead row due now, e.g. after fixing a mail outage."""
    count = outbox.retry_unsent(utcnow())
    click.echo(f"{count} messages are due now; `feedback run-job deliver-outbox` sends them")


@click.command("bounce")
@click.argument("email")
def bounce(email: str) -> None:
    """Record a hard bounce for EMAIL: it gets no more invitations."""
    try:
        address = normalize_email(email)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    customer, suppressed = record_bounce(address, utcnow())
    db.session.commit()
    click.echo(f"{customer.email} bounced; {suppressed} scheduled invitations suppressed")


COMMANDS = [outbox_group, bounce]
