"""``feedback rollups``: rebuild the dashboard's score and support rollups, or check them."""

from __future__ import annotations

import click

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.services.rollups import rebuild_rollups, rollup_differences
from feedback_app.services.support.rollups import (
    rebuild_support_rollups,
    support_rollup_differences,
)


@click.group("rollups")
def rollups() -> None:
    """The per-day score histograms and support sums behind the dashboard."""


@rollups.command("rebuild")
def rebuild() -> None:
    """Recompute the rollups from the stored responses and interactions."""
    rows = rebuild_rollups()
    audit.record("rollups.rebuilt", details={"rows": rows})
    db.session.commit()
    click.echo(f"rebuilt {rows} rollup rows")
    rows = rebuild_support_rollups()
    db.session.commit()
    click.echo(f"rebuilt {rows} support rollup rows")


@rollups.command("check")
def check() -> None:
    """Compare the rollups with the responses and interactions; exit status 1 if they differ."""
    differences = rollup_differences() + support_rollup_differences()
    for line in differences:
        click.echo(line)
    if differences:
        raise click.ClickException(
            f"{len(differences)} rollup rows differ; run: feedback rollups rebuild"
        )
    click.echo("rollups agree with the responses and interactions")


COMMANDS = [rollups]
