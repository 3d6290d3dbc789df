"""``feedback rollups``: rebuild the dashboard's score rollups, or check them."""

from __future__ import annotations

import click

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.services.rollups import rebuild_rollups, rollup_differences


@click.group("rollups")
def rollups() -> None:
    """The per-day score histograms behind the dashboard."""


@rollups.command("rebuild")
def rebuild() -> None:
    """Recompute the rollups from the stored responses."""
    rows = rebuild_rollups()
    audit.record("rollups.rebuilt", details={"rows": rows})
    db.session.commit()
    click.echo(f"rebuilt {rows} rollup rows")


@rollups.command("check")
def check() -> None:
    """Compare the rollups with the responses; exit status 1 if they differ."""
    differences = rollup_differences()
    for line in differences:
        click.echo(line)
    if differences:
        raise click.ClickException(
            f"{len(differences)} rollup rows differ; run: feedback rollups rebuild"
        )
    click.echo("rollups agree with the responses")


COMMANDS = [rollups]
