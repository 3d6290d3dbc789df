"""The ``feedback`` command: Flask's CLI with this app's commands registered."""

from __future__ import annotations

import importlib

from flask import Flask
from flask.cli import FlaskGroup

#: The modules under ``feedback_app.cli`` whose ``COMMANDS`` the ``feedback`` command offers.
COMMAND_MODULES = (
    "accounts",
    "connectors",
    "delivery",
    "demo",
    "followups",
    "imports",
    "jobs",
    "maintenance",
    "privacy",
    "rollups",
    "scheduling",
    "serve",
)


def register_commands(app: Flask) -> None:
    """Add every command module's commands; imported here so ``create_app`` stays light."""
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"feedback_app.cli.{name}")
        for command in module.COMMANDS:
            app.cli.add_command(command)


def _create_app() -> Flask:
    from feedback_app import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="Run and administer the feedback service.")
