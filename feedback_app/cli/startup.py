"""Starting the app for a command: a refused start reads as a message, not a stack trace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask

from feedback_app.config import ConfigError


@contextmanager
def readable_start() -> Iterator[None]:
    """Turn a refused start into the command's error message and exit status 1."""
    try:
        yield
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def command_app() -> Flask:
    """The app the ``feedback`` command loads for its commands."""
    from feedback_app import create_app

    with readable_start():
        return create_app()


def server_app() -> Flask:
    """The app as ``feedback serve`` and ``feedback worker`` run it, whatever ``ENV`` says.

    These two build it themselves instead of using the one ``command_app`` loads for the
    other commands, so that a refused start lists the server's problems with the rest.
    """
    from feedback_app import create_app

    with readable_start():
        return create_app(server=True)
