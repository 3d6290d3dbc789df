"""The Flask application: ``create_app`` builds it from config; nothing runs at import."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from feedback_app import config as app_config
from feedback_app import secret_key
from feedback_app.extensions import babel, csrf, db, limiter, migrate
from feedback_app.i18n import select_locale
from feedback_app.logs import configure_logging
from feedback_app.outage import check_idle_connections

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
#: ``app.extensions`` key: the app runs in ``feedback serve`` or ``feedback worker``.
SERVER = "feedback.server"
#: ``app.extensions`` key: the settings set ``BASE_URL``, so ``feedback dev`` keeps it.
BASE_URL_SET = "feedback.base_url_set"


def create_app(
    test_config: Mapping[str, Any] | None = None,
    instance_path: str | None = None,
    *,
    server: bool = False,
) -> Flask:
    """Build the app: defaults, ``instance/config.py``, ``FEEDBACK_*`` env, then ``test_config``.

    ``instance_path`` moves the instance folder (tests use a temporary one). ``server`` is
    for ``feedback serve`` and ``feedback worker``: they need a real secret key whatever
    ``ENV`` says, and never show development pages.
    """
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    os.makedirs(app.instance_path, exist_ok=True)
    defaults, app.extensions[BASE_URL_SET] = app_config.load(
        app.config, app.instance_path, test_config
    )
    app.extensions[SERVER] = server
    if development(app) and not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secret_key.development_key(app.instance_path)
    app_config.check(
        app.config,
        defaults,
        set(defaults) | set(Flask.default_config),
        server=server,
        development_key=secret_key.read_development_key(app.instance_path),
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config))

    configure_logging(app)
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    from feedback_app.accounts import login

    login.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        else:
            check_idle_connections(db.engine)

    from feedback_app.web import register_blueprints

    register_blueprints(app)

    from feedback_app.cli import register_commands

    register_commands(app)
    return app


def _engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    if str(config["DATABASE_URL"]).startswith("sqlite"):
        # The busy timeout makes concurrent writers wait for the lock instead of failing.
        return {"connect_args": {"timeout": config["SQLITE_BUSY_TIMEOUT_MS"] / 1000}}
    return {}


def _configure_sqlite(engine: sa.Engine, busy_timeout_ms: int) -> None:
    """Foreign keys on, WAL for concurrent readers, a busy timeout, and a ``lower`` that
    folds every letter as PostgreSQL's does (``services.search``), on every connection."""

    from feedback_app.services.search import FOLD_CASE, fold_case

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
        dbapi_connection.create_function(FOLD_CASE, 1, fold_case, deterministic=True)


def development(app: Flask) -> bool:
    """A development or test app: development key, mailbox page, ``feedback dev``."""
    return app.config["ENV"] in app_config.DEVELOPMENT_ENVS and not app.extensions.get(SERVER)
