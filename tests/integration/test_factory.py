"""create_app: config precedence, the start-up check, and SQLite connection settings."""

from __future__ import annotations

import os
import runpy
import secrets
from collections.abc import Mapping
from pathlib import Path

import pytest
import sqlalchemy as sa

import feedback_app
from feedback_app import create_app
from feedback_app.config import ConfigError
from feedback_app.extensions import db
from feedback_app.secret_key import HOW_TO_MAKE_ONE


def test_env_overrides_instance_config_and_test_config_overrides_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.py").write_text(
        "COMPANY_NAME = 'From instance'\nBASE_URL = 'https://i.example'\n"
    )
    monkeypatch.setenv("FEEDBACK_BASE_URL", "https://env.example")
    app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert app.config["COMPANY_NAME"] == "From instance"
    assert app.config["BASE_URL"] == "https://env.example"
    app = create_app(
        {"ENV": "testing", "DATABASE_URL": "sqlite://", "BASE_URL": "https://t.example"},
        instance_path=str(tmp_path),
    )
    assert app.config["BASE_URL"] == "https://t.example"


def test_default_database_lives_in_the_instance_folder(tmp_path: Path) -> None:
    app = create_app({"ENV": "testing"}, instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/feedback.sqlite"


def production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Mapping[str, str | None] = {}
) -> None:
    """The environment of a production start that passes the check, then ``settings``
    (None unsets one)."""
    passing = {
        "FEEDBACK_ENV": "production",
        "FEEDBACK_SECRET_KEY": secrets.token_urlsafe(48),
        "FEEDBACK_DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite",
        "FEEDBACK_WEB_WORKERS": "1",
    }
    for key, value in {**passing, **settings}.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)


def test_production_with_a_secret_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    production(monkeypatch, tmp_path)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["ENV"] == "production"


def test_production_lists_every_problem_in_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    monkeypatch.setenv("FEEDBACK_SMTP_HOTS", "mail.example.com")
    monkeypatch.setenv("FEEDBACK_WEB_WORKERS", "3")
    monkeypatch.setenv("FEEDBACK_PASSWORD_ATTEMPTS_LIMIT", "lots")
    with pytest.raises(ConfigError) as error:
        create_app(instance_path=str(tmp_path))
    assert str(error.value).splitlines() == [
        "configuration problems:",
        "- FEEDBACK_SECRET_KEY must be set to a long random value when FEEDBACK_ENV='production'"
        f" (it is not set); generate one with: {HOW_TO_MAKE_ONE}",
        "- FEEDBACK_DATABASE_URL must be set, e.g. postgresql+psycopg://user:pass@host/feedback",
        "- FEEDBACK_PASSWORD_ATTEMPTS_LIMIT must be a rate limit such as '30 per minute'",
        "- FEEDBACK_RATELIMIT_STORAGE_URI must be shared storage such as redis://host:6379 with 3"
        " web processes (FEEDBACK_WEB_WORKERS, default two per core): memory:// counts sign-in"
        " attempts in each process apart",
        "- unknown setting FEEDBACK_SMTP_HOTS (did you mean FEEDBACK_SMTP_HOST?)",
    ]


@pytest.mark.parametrize(
    ("settings", "workers"),
    [
        # gunicorn's default: two per core, and a machine has at least one
        ({"FEEDBACK_WEB_WORKERS": None}, 2 * (os.cpu_count() or 1)),
        ({"FEEDBACK_WEB_WORKERS": "2"}, 2),
        ({"FEEDBACK_WEB_WORKERS": "2", "FEEDBACK_RATELIMIT_STORAGE_URI": "memory://"}, 2),
    ],
)
def test_production_with_several_web_processes_refuses_counts_kept_per_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], workers: int
) -> None:
    production(monkeypatch, tmp_path, settings)
    with pytest.raises(ConfigError) as error:
        create_app(instance_path=str(tmp_path))
    assert str(error.value).splitlines()[1:] == [
        "- FEEDBACK_RATELIMIT_STORAGE_URI must be shared storage such as redis://host:6379 with"
        f" {workers} web processes (FEEDBACK_WEB_WORKERS, default two per core): memory://"
        " counts sign-in attempts in each process apart"
    ]


@pytest.mark.parametrize(
    "settings",
    [
        {"FEEDBACK_WEB_WORKERS": "1"},
        {"FEEDBACK_WEB_WORKERS": None, "FEEDBACK_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"},
        {"FEEDBACK_WEB_WORKERS": "8", "FEEDBACK_RATELIMIT_STORAGE_URI": "redis://cache:6379/2"},
    ],
)
def test_production_starts_with_one_web_process_or_shared_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: dict[str, str | None]
) -> None:
    production(monkeypatch, tmp_path, settings)
    assert create_app(instance_path=str(tmp_path)).config["ENV"] == "production"


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("FEEDBACK_WEB_WORKERS", "0"),
        ("FEEDBACK_WEB_THREADS", '"four"'),
        ("FEEDBACK_STAFF_SESSION_IDLE_MINUTES", "-5"),
        ("FEEDBACK_STAFF_SESSION_MAX_HOURS", "1.5"),
    ],
)
def test_production_refuses_a_count_that_is_not_a_whole_number_of_at_least_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str
) -> None:
    production(monkeypatch, tmp_path, {setting: value})
    with pytest.raises(ConfigError) as error:
        create_app(instance_path=str(tmp_path))
    assert str(error.value).splitlines()[1:] == [
        f"- {setting} must be a whole number of at least 1"
    ]


def test_gunicorn_starts_the_web_processes_the_check_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Path(feedback_app.__file__).with_name("gunicorn_config.py")
    assert runpy.run_path(str(config))["workers"] == 2 * (os.cpu_count() or 1)
    monkeypatch.setenv("FEEDBACK_WEB_WORKERS", "3")
    monkeypatch.setenv("FEEDBACK_WEB_THREADS", "4")
    monkeypatch.setenv("FEEDBACK_BIND", "0.0.0.0:9000")
    settings = runpy.run_path(str(config))
    assert (settings["workers"], settings["threads"], settings["bind"]) == (3, 4, "0.0.0.0:9000")


def test_development_only_warns_about_unknown_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FEEDBACK_COMPANY_NAEM", "Typo Inc")
    app = create_app({"ENV": "development"}, instance_path=str(tmp_path))
    assert app.config["COMPANY_NAME"] == "Example Support"
    assert "unknown setting FEEDBACK_COMPANY_NAEM (did you mean FEEDBACK_COMPANY_NAME?)" in (
        caplog.text
    )


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("EMBED_FORM_TOKEN_MINUTES", "0", "must be a whole number from 1 to 720"),
        ("EMBED_FORM_TOKEN_MINUTES", "1440", "must be a whole number from 1 to 720"),
        ("EMBED_IDENTITY_MAX_AGE_HOURS", "a day", "must be a whole number from 1 to 720"),
        ("PUBLIC_MAX_BODY_BYTES", "64k", "must be a whole number from 1024 to 104857600"),
        ("EMBED_ANONYMOUS_SURVEY_LIMIT", "lots", "must be a rate limit such as '30 per minute'"),
    ],
)
def test_a_bad_embed_or_body_limit_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, problem: str
) -> None:
    """Read from the environment as an operator sets them; any environment, not production
    only: each would otherwise fail every request it applies to."""
    monkeypatch.setenv(f"FEEDBACK_{name}", value)
    with pytest.raises(ConfigError) as error:
        create_app({"ENV": "development"}, instance_path=str(tmp_path))
    assert str(error.value) == f"configuration problems:\n- FEEDBACK_{name} {problem}"


def test_the_embed_and_body_limits_are_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDBACK_EMBED_FORM_TOKEN_MINUTES", "15")
    monkeypatch.setenv("FEEDBACK_PUBLIC_MAX_BODY_BYTES", "32768")
    monkeypatch.setenv("FEEDBACK_EMBED_ANONYMOUS_TOTAL_LIMIT", "50/hour; 200/day")
    app = create_app({"ENV": "development"}, instance_path=str(tmp_path))
    assert (
        app.config["EMBED_FORM_TOKEN_MINUTES"],
        app.config["PUBLIC_MAX_BODY_BYTES"],
        app.config["EMBED_ANONYMOUS_TOTAL_LIMIT"],
    ) == (15, 32768, "50/hour; 200/day")


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(app, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000


def test_the_migrated_schema_matches_the_models(app) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_a_migration_on_sqlite_runs_without_foreign_keys_and_is_checked_after(
    app, caplog: pytest.LogCaptureFixture
) -> None:
    """A row left pointing nowhere fails the migration (the command exits 1 and says which
    table); foreign keys are on again after."""
    from flask_migrate import upgrade

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's foreign key pragmas")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.execute(sa.text("INSERT INTO teams (name, manager_id) VALUES ('Lost', 999)"))
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    with pytest.raises(SystemExit) as stopped:
        upgrade()
    assert stopped.value.code == 1
    assert "the migration broke foreign keys: [('teams', 1, 'users', 0)]" in caplog.text
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
