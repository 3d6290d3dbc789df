"""The one place the app asks what time it is, so tests can freeze it."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app


def utcnow() -> datetime:
    """Return the current aware UTC time, or the configured ``CLOCK``'s."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock else datetime.now(UTC)
