"""Reading API input field by field, collecting every problem under its dotted name.

A ``Reader`` never stops at the first bad field: each getter records what is wrong (for
example ``customer.email``) and returns None, and ``check()`` raises one 422 naming them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from feedback_app.services.ingest import normalize_email
from feedback_app.web.api import ApiError

#: Postgres ``integer`` columns hold at most this.
MAX_INT = 2**31 - 1
#: A BCP 47 language tag, loosely: ``fr``, ``pt-BR``, ``zh-Hant-TW``.
LOCALE_RE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def iso(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC with a ``Z``, as every API answer writes times."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Reader:
    """Typed getters over one JSON object (or query string) that collect errors."""

    def __init__(
        self, data: Mapping[str, Any], prefix: str = "", errors: dict[str, str] | None = None
    ) -> None:
        self.data = data
        self.prefix = prefix
        self.errors: dict[str, str] = {} if errors is None else errors

    def error(self, key: str, message: str) -> None:
        """Record ``message`` for ``key`` (the first problem of a field wins)."""
        self.errors.setdefault(self.prefix + key, message)

    def check(self, message: str = "some fields are missing or invalid") -> None:
        """Raise a 422 naming every bad field, if there is any."""
        if self.errors:
            raise ApiError(422, message, self.errors)

    def _get(self, key: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None and required:
            self.error(key, "is required")
        return value

    def text(
        self, key: str, *, required: bool = False, max_length: int = 200, allow_int: bool = False
    ) -> str | None:
        """A string, stripped; blank counts as absent. ``allow_int`` accepts 42 as "42"."""
        value = self._get(key, required)
        if value is None:
            return None
        if allow_int and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.error(key, "must be a string")
            return None
        value = value.strip()
        if not value:
            if required:
                self.error(key, "must not be blank")
            return None
        if len(value) > max_length:
            self.error(key, f"must be at most {max_length} characters")
            return None
        return value

    def email(self, key: str, *, required: bool = False) -> str | None:
        """An email address, validated (syntax only, no DNS) and lower-cased."""
        value = self.text(key, required=required, max_length=320)
        if value is None:
            return None
        try:
            return normalize_email(value)
        except ValueError as error:
            self.error(key, f"is not a valid email address: {error}")
            return None

    def locale(self, key: str) -> str | None:
        """A BCP 47 language tag such as ``fr`` or ``pt-BR``."""
        value = self.text(key, max_length=35)
        if value is not None and not LOCALE_RE.fullmatch(value):
            self.error(key, "must be a language tag such as en, fr or pt-BR")
            return None
        return value

    def integer(self, key: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
        """A whole number (not a float, bool or string) from ``minimum`` to ``maximum``."""
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, "must be a whole number")
            return None
        if not minimum <= value <= maximum:
            self.error(key, f"must be between {minimum} and {maximum}")
            return None
        return value

    def boolean(self, key: str) -> bool | None:
        """``true`` or ``false``."""
        value = self._get(key, False)
        if value is None or isinstance(value, bool):
            return value
        self.error(key, "must be true or false")
        return None

    def choice(self, key: str, choices: Iterable[str], *, default: str | None = None) -> str | None:
        """One of ``choices`` (exact, lower-case), or ``default`` when absent."""
        options = list(choices)
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, str) and value in options:
            return value
        self.error(key, "must be one of " + ", ".join(options))
        return None

    def timestamp(self, key: str) -> datetime | None:
        """An ISO 8601 date-time with a UTC offset (``Z`` or ``+02:00``), returned in UTC.

        A time without an offset is refused: guessing its zone would shift every metric.
        """
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, str):
            self.error(key, "must be an ISO 8601 date-time string")
            return None
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            # "…T09:00:00 01:00" is what a URL's unescaped "+01:00" becomes.
            hint = " (in a URL, write + as %2B)" if " " in value.strip() else ""
            self.error(key, f"must be an ISO 8601 date-time such as 2026-03-02T09:00:00Z{hint}")
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.error(key, "must include a UTC offset, such as 2026-03-02T09:00:00Z or +01:00")
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            self.error(key, "is out of range")
            return None

    def mapping(self, key: str, *, max_bytes: int = 16384) -> dict[str, Any] | None:
        """A JSON object, as a dict, of at most ``max_bytes`` once serialised."""
        value = self._get(key, False)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(key, "must be an object")
            return None
        if len(json.dumps(value).encode()) > max_bytes:
            self.error(key, f"must be at most {max_bytes} bytes of JSON")
            return None
        return value

    def nested(self, key: str, *, required: bool = False) -> Reader | None:
        """A reader over the object at ``key``; its errors are named ``key.field``."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(key, "must be an object")
            return None
        return Reader(value, f"{self.prefix}{key}.", self.errors)
