"""create_app: config precedence, the start-up check, and SQLite connection settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from feedback_app import create_app
from feedback_app.config import ConfigError
from feedback_app.extensions import db


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


@pytest.mark.parametrize("secret", [None, "", "dev-insecure-secret-key"])
def test_production_without_a_real_secret_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str | None
) -> None:
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    config = {} if secret is None else {"SECRET_KEY": secret}
    with pytest.raises(ConfigError, match="FEEDBACK_SECRET_KEY must be set"):
        create_app(config, instance_path=str(tmp_path))


def test_production_with_a_secret_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    monkeypatch.setenv("FEEDBACK_SECRET_KEY", "x" * 48)
    monkeypatch.setenv("FEEDBACK_DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["ENV"] == "production"


def test_production_lists_every_problem_in_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEEDBACK_ENV", "production")
    monkeypatch.setenv("FEEDBACK_SMTP_HOTS", "mail.example.com")
    with pytest.raises(ConfigError) as error:
        create_app(instance_path=str(tmp_path))
    lines = str(error.value).splitlines()
    assert lines[0] == "configuration problems:"
    assert lines[1].startswith("- FEEDBACK_SECRET_KEY must be set")
    assert lines[2] == (
        "- FEEDBACK_DATABASE_URL must be set, e.g. postgresql+psycopg://user:pass@host/feedback"
    )
    assert lines[3].startswith("- unknown setting FEEDBACK_SMTP_HOTS")
    assert len(lines) == 4


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
