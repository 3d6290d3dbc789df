"""Configuration defaults and the start-up check.

Order of precedence (later wins): DEFAULTS, ``instance/config.py``, ``FEEDBACK_*`` environment
variables, then the ``test_config`` mapping given to ``create_app``.
"""

from __future__ import annotations

import difflib
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
        # "mailbox" keeps emails in the database, shown at /dev/mailbox; "smtp" sends them.
        "MAIL_BACKEND": "mailbox",
        "MAIL_FROM": "Example Support <support@example.com>",
        "SMTP_HOST": "localhost",
        "SMTP_PORT": 25,
        "SMTP_USERNAME": "",
        "SMTP_PASSWORD": "",
        # "none", "starttls" or "ssl".
        "SMTP_SECURITY": "none",
        # PEM file of CAs to trust for the SMTP server's certificate instead of the system's
        # (a server with a private CA); "" for the system's. The certificate is always checked.
        "SMTP_CA_FILE": "",
        "SMTP_TIMEOUT": 30,
        # Outbox: attempts per email or webhook before it is dead-lettered, and the first and
        # longest wait between two attempts (doubling, with jitter).
        "OUTBOX_MAX_ATTEMPTS": 8,
        "OUTBOX_RETRY_BASE_SECONDS": 60,
        "OUTBOX_RETRY_MAX_SECONDS": 6 * 3600,
        # Rows one deliver-outbox run sends; invitations one dispatch-invitations run queues.
        "OUTBOX_BATCH_SIZE": 500,
        "DISPATCH_BATCH_SIZE": 1000,
        # How long a deliverer may hold rows it is sending before another may take them.
        "OUTBOX_LEASE_SECONDS": 600,
        # Job name → seconds between its runs, replacing the job's own interval.
        "JOB_INTERVALS": {},
        "WEBHOOK_TIMEOUT": 10,
        # Reverse proxies in front of the app (nginx: 1). Only then are their X-Forwarded-For
        # and X-Forwarded-Proto headers believed, for the client's address and the scheme.
        "PROXY_HOPS": 0,
        # Failed or not, sign-in attempts per client address and, separately, per account.
        "PASSWORD_ATTEMPTS_LIMIT": "10 per minute",
        # Answers to embedded surveys per client address: anyone may answer those.
        "EMBED_ANSWERS_LIMIT": "30 per minute",
        # Where those counts live: "memory://" counts per process; several web processes share
        # them in Redis ("redis://host:6379").
        "RATELIMIT_STORAGE_URI": "memory://",
        # Our forms word and translate their own messages; WTForms' catalogue would otherwise
        # be loaded from disk on every request.
        "WTF_I18N_ENABLED": False,
        # "text" or "json"; every line carries the request id.
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
        # Languages with a translation of emails and survey pages; the first is the fallback.
        "LOCALES": ["en", "fr"],
        # Dashboard figures from fewer observations are flagged as a low sample.
        "METRICS_MIN_N": 30,
        # A repeat contact within these days undoes a first-contact resolution.
        "FCR_REPEAT_DAYS": 7,
        # Customer properties rolled up like channels for scores and support figures, e.g.
        # ["plan", "region"]; a property not listed is read from the rows, more slowly.
        "SEGMENTS": [],
        # A callable returning an aware UTC datetime; tests freeze time with it.
        "CLOCK": None,
    }


#: Settings owned by Flask's extensions (any key with these prefixes is theirs to read), and
#: ``FEEDBACK_TEST_*``, which the test suite reads from the environment for itself.
OTHER_PREFIXES = (
    "SQLALCHEMY_",
    "WTF_",
    "BABEL_",
    "REMEMBER_COOKIE_",
    "SESSION_",
    "LOGIN_",
    "RATELIMIT_",
    "TEST_",
)


def check(config: dict[str, Any], defaults: dict[str, Any], known: set[str]) -> None:
    """Stop start-up with one message listing every setting that is unsafe, missing or unknown.

    Unknown keys (a typo such as ``FEEDBACK_SMTP_HOTS``) stop production and only warn in
    development, so a mistyped setting never silently falls back to a default in production.
    """
    env = config.get("ENV", "development")
    production = env not in DEVELOPMENT_ENVS
    problems = []
    secret = config.get("SECRET_KEY")
    if production and (not secret or secret == DEV_SECRET_KEY):
        problems.append(
            f"FEEDBACK_SECRET_KEY must be set to a long random value when FEEDBACK_ENV={env!r}; "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    database_url = config.get("DATABASE_URL")
    if not database_url or (production and database_url == defaults["DATABASE_URL"]):
        problems.append(
            "FEEDBACK_DATABASE_URL must be set, e.g. postgresql+psycopg://user:pass@host/feedback"
        )
    if not str(config.get("BASE_URL", "")).startswith(("http://", "https://")):
        problems.append("FEEDBACK_BASE_URL must be an absolute http(s) URL")
    if config.get("MAIL_BACKEND") not in ("smtp", "mailbox"):
        problems.append("FEEDBACK_MAIL_BACKEND must be smtp or mailbox")
    if config.get("SMTP_SECURITY") not in ("none", "starttls", "ssl"):
        problems.append("FEEDBACK_SMTP_SECURITY must be none, starttls or ssl")
    ca_file = config.get("SMTP_CA_FILE")
    if ca_file and not os.path.isfile(ca_file):
        problems.append(f"FEEDBACK_SMTP_CA_FILE names no file: {ca_file}")
    if config.get("DEFAULT_INTERACTION_SURVEY") not in ("csat", "ces", "none"):
        problems.append("FEEDBACK_DEFAULT_INTERACTION_SURVEY must be csat, ces or none")
    unknown = sorted(
        key
        for key in config
        if key.isupper() and key not in known and not key.startswith(OTHER_PREFIXES)
    )
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean FEEDBACK_{close[0]}?)" if close else ""
        if production:
            problems.append(f"unknown setting FEEDBACK_{key}{hint}")
        else:
            log.warning("unknown setting FEEDBACK_%s%s is ignored", key, hint)
    if problems:
        raise ConfigError("configuration problems:\n- " + "\n- ".join(problems))
