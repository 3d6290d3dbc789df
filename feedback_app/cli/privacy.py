"""``feedback forget`` and ``feedback export-person``: a customer's data on request."""

from __future__ import annotations

from pathlib import Path

import click

from feedback_app.clock import utcnow
from feedback_app.models import Customer
from feedback_app.privacy.export import export_person, export_text
from feedback_app.privacy.forget import forget_person
from feedback_app.privacy.people import describe_counts, find_customer, rows_of


def _customer(email: str) -> Customer:
    try:
        customer = find_customer(email)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    if customer is None:
        raise click.ClickException(f"no customer has the address {email.strip()}")
    return customer


@click.command("forget")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget(email: str, yes: bool) -> None:
    """Delete the customer with EMAIL and everything about them; their scores stay, tied to
    nobody, and the address gets no more invitations."""
    customer = _customer(email)
    if not yes:
        planned = describe_counts(rows_of(customer).counts())
        click.echo(f"Forgetting {customer.email} means: {planned}.")
        click.confirm("Go ahead?", abort=True)
    counts = forget_person(customer, utcnow())
    click.echo(f"forgotten: {describe_counts(counts)}")


@click.command("export-person")
@click.argument("email")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the JSON to this file instead of standard output.",
)
def export_person_command(email: str, output: Path | None) -> None:
    """Print everything stored about the customer with EMAIL as one JSON document."""
    text = export_text(export_person(_customer(email), utcnow()))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


COMMANDS = [forget, export_person_command]
