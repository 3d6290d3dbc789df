"""The ``feedback`` command: Flask's CLI with this app's commands registered."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from feedback_app.cli import (
        accounts,
        delivery,
        demo,
        followups,
        imports,
        jobs,
        maintenance,
        rollups,
        scheduling,
        serve,
    )

    modules = (
        accounts,
        delivery,
        demo,
        followups,
        imports,
        jobs,
        maintenance,
        rollups,
        scheduling,
        serve,
    )
    for module in modules:
        for command in module.COMMANDS:
            app.cli.add_command(command)


def _create_app() -> Flask:
    from feedback_app import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="Run and administer the feedback service.")
