"""Configuration defaults and the start-up check.

Order of precedence (later wins): DEFAULTS, ``instance/config.py``, ``FEEDBACK_*`` environment
variables, then the ``test_config`` mapping given to ``create_app``.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Config, Flask
from limits import parse_many

from feedback_app import secret_key
from surveys.references import INDUSTRIES

log = logging.getLogger(__name__)

DEVELOPMENT_ENVS = {"development", "testing"}


class ConfigError(RuntimeError):
    """Raised at start-up for a configuration that must not run."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the built-in settings; the SQLite file lives in the instance folder."""
    return {
        "ENV": "development",
        # Unset: production and the server processes refuse to start; development makes one
        # for this installation in the instance folder (secret_key.DEVELOPMENT_KEY_FILE).
        "SECRET_KEY": None,
        "DATABASE_URL": "sqlite:///" + os.path.join(instance_path, "feedback.sqlite"),
        # Unset, ``feedback dev`` puts the address it listens on in its place (listening_url).
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
        # Webhooks go only to public addresses; True also allows loopback, private,
        # unique-local and shared (CGNAT) ones, for receivers on an internal network.
        # Metadata, link-local, multicast and unspecified addresses are refused regardless.
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False,
        # PEM file of CAs to trust for receivers' certificates instead of the system's (a
        # receiver with a private CA); "" for the system's. Certificates are always checked.
        "WEBHOOK_CA_FILE": "",
        # Seconds an answer with a score only must stay unchanged before its response.created
        # goes out; a comment or answers to the additional questions send it at once.
        "WEBHOOK_QUIET_SECONDS": 120,
        # Reverse proxies in front of the app (nginx: 1). Only then are their X-Forwarded-For
        # and X-Forwarded-Proto headers believed, for the client's address and the scheme.
        "PROXY_HOPS": 0,
        # Failed or not, sign-in attempts for one account from one client address, and for
        # one account from anywhere: slower, so guesses from elsewhere cannot lock the real
        # user out at their own address before they lock the account.
        "PASSWORD_ATTEMPTS_LIMIT": "10 per minute",
        "PASSWORD_ACCOUNT_ATTEMPTS_LIMIT": "50 per hour",
        # "Forgot password?" requests for one account from anywhere, and from one client
        # address for any accounts.
        "PASSWORD_RESET_ACCOUNT_LIMIT": "5 per hour",
        "PASSWORD_RESET_ADDRESS_LIMIT": "30 per hour",
        # Hours an invited user's set-up link and a password reset link work (once).
        "ACCOUNT_SETUP_LINK_HOURS": 72,
        "PASSWORD_RESET_LINK_HOURS": 1,
        # A staff session ends after this long without a request, and this long after
        # sign-in whatever happens.
        "STAFF_SESSION_IDLE_MINUTES": 60,
        "STAFF_SESSION_MAX_HOURS": 12,
        # Answers to embedded surveys per client address: anyone may answer those.
        "EMBED_ANSWERS_LIMIT": "30 per minute",
        # Anonymous answers (an embed without a signed customer) per survey, and to all
        # surveys together; refusals are counted on the survey's admin page.
        "EMBED_ANONYMOUS_SURVEY_LIMIT": "300 per hour",
        "EMBED_ANONYMOUS_TOTAL_LIMIT": "1000 per hour",
        # Requests to the Delighted-compatible API per key; over it, 429 with Retry-After.
        "DELIGHTED_API_LIMIT": "600 per minute",
        # Minutes a rendered embed widget may be answered (its single-use form token).
        "EMBED_FORM_TOKEN_MINUTES": 60,
        # Hours a host site's signature of a customer identity stays valid after issued_at.
        "EMBED_IDENTITY_MAX_AGE_HOURS": 24,
        # Largest request body, in bytes: API calls; survey, embed and unsubscribe posts;
        # staff forms (CSV imports are a command, so these stay small). Larger gets a 413.
        "API_MAX_BODY_BYTES": 1024 * 1024,
        "PUBLIC_MAX_BODY_BYTES": 64 * 1024,
        "STAFF_MAX_BODY_BYTES": 256 * 1024,
        # Where those counts live: "memory://" counts per process; several web processes share
        # them in Redis ("redis://host:6379").
        "RATELIMIT_STORAGE_URI": "memory://",
        # ``feedback serve`` (gunicorn_config.py): the address, the web processes (None: two
        # per core) and the threads in each.
        "BIND": "127.0.0.1:8000",
        "WEB_WORKERS": None,
        "WEB_THREADS": 1,
        # Our forms word and translate their own messages; WTForms' catalogue would otherwise
        # be loaded from disk on every request.
        "WTF_I18N_ENABLED": False,
        # "text" or "json"; every line carries the request id.
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "INFO",
        # Languages with a translation of emails and survey pages; the first is the fallback.
        "LOCALES": ["en", "fr", "de", "es", "pt_BR", "nl"],
        # Dashboard figures from fewer observations are flagged as a low sample.
        "METRICS_MIN_N": 30,
        # A repeat contact within these days undoes a first-contact resolution.
        "FCR_REPEAT_DAYS": 7,
        # Days audit events and API key counts are kept; the purge-audit-log job deletes older.
        "AUDIT_RETENTION_DAYS": 365,
        # Each web process counts API key use in memory and writes the counts this often.
        "AUDIT_KEY_USE_FLUSH_SECONDS": 60,
        # Customer properties rolled up like channels for scores and support figures, e.g.
        # ["plan", "region"]; a property not listed is read from the rows, more slowly.
        "SEGMENTS": [],
        # Agents and teams logged in for less than this % of their shifts are flagged on the
        # dashboard (above 90% they are flagged as overworked).
        "UTILIZATION_FLOOR": 70,
        # The KPI reviews by email to team managers and admins: the weekly one (of the week
        # Monday to Sunday) from REVIEW_HOUR UTC on REVIEW_WEEKDAY (0 Monday to 6 Sunday) after
        # it, the monthly one from REVIEW_HOUR on REVIEW_MONTH_DAY (1 to 28) of the next month.
        "REVIEWS_ENABLED": True,
        "REVIEW_WEEKDAY": 0,
        "REVIEW_MONTH_DAY": 1,
        "REVIEW_HOUR": 8,
        # The industry whose published CSAT and FCR the dashboard shows as reference lines
        # (a key of ``surveys.references.INDUSTRIES``); empty for the general lines only.
        "INDUSTRY": "",
        # A callable returning an aware UTC datetime; tests freeze time with it.
        "CLOCK": None,
    }


#: Whole-number settings and their bounds: a typo must stop start-up, not every request.
BOUNDED_NUMBERS = {
    "ACCOUNT_SETUP_LINK_HOURS": (1, 24 * 30),
    "PASSWORD_RESET_LINK_HOURS": (1, 72),
    "EMBED_FORM_TOKEN_MINUTES": (1, 720),
    "EMBED_IDENTITY_MAX_AGE_HOURS": (1, 24 * 30),
    "API_MAX_BODY_BYTES": (1024, 100 * 1024 * 1024),
    "PUBLIC_MAX_BODY_BYTES": (1024, 100 * 1024 * 1024),
    "STAFF_MAX_BODY_BYTES": (1024, 100 * 1024 * 1024),
    "UTILIZATION_FLOOR": (0, 90),
    "REVIEW_WEEKDAY": (0, 6),
    "REVIEW_MONTH_DAY": (1, 28),
    "REVIEW_HOUR": (0, 23),
    "WEBHOOK_QUIET_SECONDS": (0, 24 * 3600),
}
#: Rate limits as Flask-Limiter reads them, e.g. "30 per minute" or "10/second; 500/day".
RATE_LIMITS = (
    "PASSWORD_ATTEMPTS_LIMIT",
    "PASSWORD_ACCOUNT_ATTEMPTS_LIMIT",
    "PASSWORD_RESET_ACCOUNT_LIMIT",
    "PASSWORD_RESET_ADDRESS_LIMIT",
    "EMBED_ANSWERS_LIMIT",
    "EMBED_ANONYMOUS_SURVEY_LIMIT",
    "EMBED_ANONYMOUS_TOTAL_LIMIT",
    "DELIGHTED_API_LIMIT",
)

#: Settings owned by Flask's extensions (any key with these prefixes is theirs to read), and
#: ``FEEDBACK_TEST_*`` and ``FEEDBACK_BENCH_*``, which the test suite and the benchmarks read
#: from the environment for themselves.
OTHER_PREFIXES = (
    "SQLALCHEMY_",
    "WTF_",
    "BABEL_",
    "REMEMBER_COOKIE_",
    "SESSION_",
    "LOGIN_",
    "RATELIMIT_",
    "TEST_",
    "BENCH_",
)
#: Settings that must be whole numbers of at least one (``WEB_WORKERS`` may also be None).
POSITIVE_NUMBERS = (
    "STAFF_SESSION_IDLE_MINUTES",
    "STAFF_SESSION_MAX_HOURS",
    "WEB_WORKERS",
    "WEB_THREADS",
)


def load(
    config: Config, instance_path: str, overrides: Mapping[str, Any] | None
) -> tuple[dict[str, Any], bool]:
    """Fill ``config`` in order of precedence; returns the defaults it started from, and
    whether anything set ``BASE_URL`` (even to its default value), which ``feedback dev``
    otherwise replaces."""
    built_in = defaults(instance_path)
    config.from_mapping({key: value for key, value in built_in.items() if key != "BASE_URL"})
    config.from_pyfile(os.path.join(instance_path, "config.py"), silent=True)
    config.from_prefixed_env("FEEDBACK")
    if overrides is not None:
        config.from_mapping(overrides)
    base_url_set = "BASE_URL" in config
    config.setdefault("BASE_URL", built_in["BASE_URL"])
    return built_in, base_url_set


def listening_url(host: str, port: int) -> str:
    """The base URL of a development server listening on ``host``:``port``.

    A server listening on every address (``0.0.0.0``, ``::``) is reached on this machine at
    its loopback address; other devices need ``FEEDBACK_BASE_URL``.
    """
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def server_settings() -> Config:
    """The settings as ``create_app`` reads them, for gunicorn's, read before any app exists."""
    app = Flask("feedback_app", instance_relative_config=True)
    load(app.config, app.instance_path, None)
    return app.config


def web_workers(config: Mapping[str, Any]) -> int:
    """The web processes ``feedback serve`` runs: ``WEB_WORKERS``, else two per core."""
    return int(config.get("WEB_WORKERS") or 2 * (os.cpu_count() or 1))


def check(
    config: Mapping[str, Any],
    defaults: Mapping[str, Any],
    known: set[str],
    *,
    server: bool = False,
    development_key: str | None = None,
) -> None:
    """Stop start-up with one message listing every setting that is unsafe, missing or unknown.

    Unknown keys (a typo such as ``FEEDBACK_SMTP_HOTS``) stop production and only warn in
    development, so a mistyped setting never silently falls back to a default in production.
    ``server`` (``feedback serve`` and ``feedback worker``) asks for a real secret key
    whatever ``ENV`` says; ``development_key`` is this installation's, refused there too.
    """
    env = config.get("ENV", "development")
    production = env not in DEVELOPMENT_ENVS
    problems = []
    if production or server:
        problems += _secret_problems(config, development_key)
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
    for setting in ("SMTP_CA_FILE", "WEBHOOK_CA_FILE"):
        ca_file = config.get(setting)
        if ca_file and not os.path.isfile(ca_file):
            problems.append(f"FEEDBACK_{setting} names no file: {ca_file}")
    if config.get("DEFAULT_INTERACTION_SURVEY") not in ("csat", "ces", "none"):
        problems.append("FEEDBACK_DEFAULT_INTERACTION_SURVEY must be csat, ces or none")
    for key, least in (("AUDIT_RETENTION_DAYS", 1), ("AUDIT_KEY_USE_FLUSH_SECONDS", 0)):
        value = config.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            problems.append(f"FEEDBACK_{key} must be a whole number of {least} or more")
    if config.get("INDUSTRY", "") not in ("", *INDUSTRIES):
        problems.append("FEEDBACK_INDUSTRY must be empty or one of " + ", ".join(INDUSTRIES))
    problems += _limit_problems(config)
    problems += _number_problems(config)
    if production:
        problems += _shared_count_problems(config)
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


def _limit_problems(config: Mapping[str, Any]) -> list[str]:
    """What is wrong with the embed's and the request bodies' limits."""
    problems = []
    for key, (low, high) in BOUNDED_NUMBERS.items():
        value = config.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(f"FEEDBACK_{key} must be a whole number from {low} to {high}")
    for key in RATE_LIMITS:
        try:
            parse_many(str(config.get(key)))
        except ValueError:
            problems.append(f"FEEDBACK_{key} must be a rate limit such as '30 per minute'")
    return problems


def _secret_problems(config: Mapping[str, Any], development_key: str | None) -> list[str]:
    weakness = secret_key.weakness(config.get("SECRET_KEY"), development_key)
    if weakness is None:
        return []
    env = config.get("ENV", "development")
    where = (
        "for feedback serve and feedback worker"
        if env in DEVELOPMENT_ENVS
        else f"when FEEDBACK_ENV={env!r}"
    )
    return [
        f"FEEDBACK_SECRET_KEY must be set to a long random value {where} ({weakness}); "
        f"generate one with: {secret_key.HOW_TO_MAKE_ONE}"
    ]


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _number_problems(config: Mapping[str, Any]) -> list[str]:
    return [
        f"FEEDBACK_{key} must be a whole number of at least 1"
        for key in POSITIVE_NUMBERS
        if not _is_count(config.get(key)) and not (key == "WEB_WORKERS" and config.get(key) is None)
    ]


def _shared_count_problems(config: Mapping[str, Any]) -> list[str]:
    """Several web processes counting sign-in attempts apart would each allow the limit."""
    if config.get("WEB_WORKERS") is not None and not _is_count(config.get("WEB_WORKERS")):
        return []  # reported by _number_problems
    workers = web_workers(config)
    if workers > 1 and str(config.get("RATELIMIT_STORAGE_URI")).startswith("memory://"):
        return [
            f"FEEDBACK_RATELIMIT_STORAGE_URI must be shared storage such as redis://host:6379 "
            f"with {workers} web processes (FEEDBACK_WEB_WORKERS, default two per core): "
            "memory:// counts sign-in attempts in each process apart"
        ]
    return []
