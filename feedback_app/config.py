"""Configuration defaults and the start-up check.

Order of precedence (later wins): DEFAULTS, ``instance/config.py``, ``FEEDBACK_*`` environment
variables, then the ``test_config`` mapping given to ``create_app``.
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger(__name__)

DEV_SECRET_KEY = "dev-insecure-secret-key"
DEVELOPMENT_ENVS = {"development", "testing"}


class ConfigError(RuntimeError):
    """Raised at start-up for a configuration that must not run."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the built-in settings; the SQLite file lives in the instance folder."""
    return {
        "ENV": "development",
        "SECRET_KEY": DEV_SECRET_KEY,
        "DATABASE_URL": "sqlite:///" + os.path.join(instance_path, "feedback.sqlite"),
        "BASE_URL": "http://127.0.0.1:5000",
        "COMPANY_NAME": "Example Support",
        # Survey sent after an interaction when the helpdesk does not say which.
        "DEFAULT_INTERACTION_SURVEY": "csat",
        # Days a customer may change an answer after first giving it.
        "EDIT_WINDOW_DAYS": 7,
        # Minimum days between two invitations to one customer, per kind.
        "FATIGUE_DAYS": {"csat": 7, "ces": 7, "nps": 7},
        "NPS_CADENCE_DAYS": 90,
        "API_PAGE_SIZE": 50,
        "API_MAX_PAGE_SIZE": 500,
        "SQLITE_BUSY_TIMEOUT_MS": 5000,
        "MAIL_BACKEND": "mailbox",
        "MAIL_FROM": "Example Support <support@example.com>",
        # "text" or "json"; every line carries the request id.
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
        # Languages with a translation of emails and survey pages; the first is the fallback.
        "LOCALES": ["en", "fr"],
        # A callable returning an aware UTC datetime; tests freeze time with it.
        "CLOCK": None,
    }


def check(config: dict[str, Any]) -> None:
    """Stop start-up on settings that would be unsafe or broken."""
    env = config.get("ENV", "development")
    secret = config.get("SECRET_KEY")
    if env not in DEVELOPMENT_ENVS and (not secret or secret == DEV_SECRET_KEY):
        raise ConfigError(
            f"FEEDBACK_SECRET_KEY must be set to a long random value when FEEDBACK_ENV={env!r}; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    if not config.get("DATABASE_URL"):
        raise ConfigError("FEEDBACK_DATABASE_URL must be set")
    if not str(config.get("BASE_URL", "")).startswith(("http://", "https://")):
        raise ConfigError("FEEDBACK_BASE_URL must be an absolute http(s) URL")
