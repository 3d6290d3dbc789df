"""``feedback connector …``: add helpdesk connectors, list them, rotate secrets, see deliveries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
import sqlalchemy as sa

from feedback_app.clock import utcnow
from feedback_app.connectors.setup import (
    InvalidConnector,
    Settings,
    conditions,
    create_connector,
    hook_url,
    rotate_secret,
    settings_of,
    update_settings,
)
from feedback_app.extensions import db
from feedback_app.models import Connector, ConnectorDelivery
from surveys.connectors import CONNECTORS
from surveys.settings import MAX_DELAY_SECONDS


def setting_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that set a connector's survey, delay, skip conditions and lookups."""
    for option in reversed(
        [
            click.option("--survey", "survey_id", type=int, help="Survey id to invite to."),
            click.option(
                "--delay",
                "delay_seconds",
                type=click.IntRange(0, MAX_DELAY_SECONDS),
                help="Seconds after the solve before the invitation.",
            ),
            click.option("--skip-tag", "skip_tags", multiple=True, help="Skip tickets with it."),
            click.option("--skip-team", "skip_teams", multiple=True, help="Skip its tickets."),
            click.option(
                "--skip-channel", "skip_channels", multiple=True, help="Skip its tickets."
            ),
            click.option("--access-token", help="Intercom: the workspace's access token."),
            click.option("--api-url", help="Intercom: the REST API's base URL."),
        ]
    ):
        command = option(command)
    return command


def _fail(error: InvalidConnector) -> None:
    raise click.UsageError("; ".join(f"{key}: {value}" for key, value in error.errors.items()))


def _connector(connector_id: str) -> Connector:
    connector = db.session.get(Connector, connector_id[:60])
    if connector is None:
        raise click.BadParameter("no connector has this id", param_hint="ID")
    return connector


@click.group("connector")
def connector_group() -> None:
    """Connect a helpdesk: its solved tickets become interactions and surveys."""


@connector_group.command("create")
@click.argument("kind", metavar="TYPE", type=click.Choice(list(CONNECTORS)))
@click.argument("name")
@click.option(
    "--secret", help="The secret the helpdesk issued (Zendesk, Intercom, Front, FreeScout)."
)
@setting_options
def create(kind: str, name: str, secret: str | None, **options: Any) -> None:
    """Add a connector of TYPE; print its id, receiving URL and secret."""
    try:
        connector = create_connector(
            kind, name, utcnow(), secret=secret, settings=_settings(Settings(), options)
        )
    except InvalidConnector as error:
        _fail(error)
    db.session.commit()
    click.echo(f"id\t{connector.id}")
    click.echo(f"url\t{hook_url(connector)}")
    missing = "(not set: save the helpdesk's with rotate-secret --secret)"
    click.echo(f"secret\t{connector.secret or missing}")


@connector_group.command("edit")
@click.argument("connector_id", metavar="ID")
@setting_options
@click.option("--clear-skips", is_flag=True, help="Remove every skip condition first.")
def edit(connector_id: str, clear_skips: bool, **options: Any) -> None:
    """Change a connector's settings; options not given keep their value."""
    connector = _connector(connector_id)
    current = settings_of(connector)
    if clear_skips:
        current = Settings(
            survey_id=current.survey_id,
            delay_seconds=current.delay_seconds,
            access_token=current.access_token,
            api_url=current.api_url,
        )
    try:
        update_settings(connector, _settings(current, options))
    except InvalidConnector as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{connector.id} saved")


def _settings(current: Settings, options: dict[str, Any]) -> Settings:
    def pick(key: str) -> Any:
        return options[key] if options.get(key) is not None else getattr(current, key)

    def added(key: str) -> tuple[str, ...]:
        return conditions([*getattr(current, key), *options.get(key, ())])

    return Settings(
        survey_id=pick("survey_id"),
        delay_seconds=pick("delay_seconds"),
        skip_tags=added("skip_tags"),
        skip_teams=added("skip_teams"),
        skip_channels=added("skip_channels"),
        access_token=pick("access_token"),
        api_url=pick("api_url"),
    )


@connector_group.command("list")
def list_connectors() -> None:
    """List connectors: id, type, name, receiving URL."""
    for connector in db.session.scalars(sa.select(Connector).order_by(Connector.created_at)):
        click.echo(f"{connector.id}\t{connector.type}\t{connector.name}\t{hook_url(connector)}")


@connector_group.command("rotate-secret")
@click.argument("connector_id", metavar="ID")
@click.option("--secret", help="The new secret, when the helpdesk issues it.")
def rotate(connector_id: str, secret: str | None) -> None:
    """Give connector ID a new secret; the old one still verifies for 24 hours."""
    connector = _connector(connector_id)
    try:
        new = rotate_secret(connector, utcnow(), secret)
    except InvalidConnector as error:
        _fail(error)
    db.session.commit()
    click.echo(f"secret\t{new}")
    if connector.previous_secret_until:
        click.echo(f"previous secret verifies until\t{connector.previous_secret_until.isoformat()}")


@connector_group.command("deliveries")
@click.argument("connector_id", metavar="ID")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
def deliveries(connector_id: str, limit: int) -> None:
    """The latest deliveries of connector ID: time, outcome, ticket, reason."""
    connector = _connector(connector_id)
    rows = db.session.scalars(
        sa.select(ConnectorDelivery)
        .where(ConnectorDelivery.connector_id == connector.id)
        .order_by(ConnectorDelivery.id.desc())
        .limit(limit)
    )
    for row in rows:
        click.echo(
            f"{row.id}\t{row.received_at.isoformat()}\t{row.outcome.value}\t"
            f"{row.ticket_id or '-'}\t{row.reason}"
        )


COMMANDS = [connector_group]
