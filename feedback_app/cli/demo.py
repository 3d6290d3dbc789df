"""``feedback demo``: seed a realistic demo and print its logins."""

from __future__ import annotations

import click

from feedback_app.audit import service as audit
from feedback_app.clock import utcnow
from feedback_app.demo import LOGINS, DemoSize, seed_demo, seeded


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users.")
@click.option("--customers", default=DemoSize.customers, show_default=True)
@click.option("--days", default=DemoSize.days, show_default=True)
@click.option("--per-day", default=DemoSize.interactions_per_day, show_default=True)
@click.option("--seed", default=2026, show_default=True, help="Same seed, same demo.")
def demo(if_empty: bool, customers: int, days: int, per_day: int, seed: int) -> None:
    """Seed 90 days of interactions, surveys, answers and follow-up cases."""
    if seeded():
        if not if_empty:
            raise click.ClickException(
                "the database already has users; the demo needs an empty one"
            )
        click.echo("The database already has data; the demo was not seeded again.")
    else:
        click.echo(f"Seeding the demo: {customers} customers over {days} days…")
        seed_demo(utcnow(), DemoSize(customers, days, per_day), seed=seed, progress=click.echo)
        audit.record("demo.seeded", details={"customers": customers, "days": days}, commit=True)
    click.echo("\nDemo logins (development only):")
    for email, password, role, _name in LOGINS:
        click.echo(f"  {role.value:<8} {email:<22} password: {password}")


COMMANDS = [demo]
