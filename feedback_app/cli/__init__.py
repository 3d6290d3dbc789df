"""The ``feedback`` command: Flask's CLI with this app's commands registered."""

from __future__ import annotations

import importlib

from flask import Flask
from flask.cli import FlaskGroup

from feedback_app.cli import scheduling, serve
from feedback_app.cli.startup import command_app

#: The modules under ``feedback_app.cli`` whose ``COMMANDS`` the ``feedback`` command offers.
COMMAND_MODULES = (
    "accounts",
    "connectors",
    "delighted",
    "delivery",
    "demo",
    "followups",
    "imports",
    "jobs",
    "maintenance",
    "privacy",
    "rollups",
    "scheduling",
    "users",
)


def register_commands(app: Flask) -> None:
    """Add every command module's commands; imported here so ``create_app`` stays light."""
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"feedback_app.cli.{name}")
        for command in module.COMMANDS:
            app.cli.add_command(command)


main = FlaskGroup(create_app=command_app, help="Run and administer the feedback service.")
for _command in (*serve.SERVER_COMMANDS, *scheduling.SERVER_COMMANDS):
    main.add_command(_command)
