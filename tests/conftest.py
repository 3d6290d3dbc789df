"""Fixtures: an app on a migrated database (SQLite always, PostgreSQL when configured),
a frozen clock, a client, and factories for the rows most tests need."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.security import generate_password_hash

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Invitation, ReviewTag, Role, User
from tests.helpers import FrozenClock, TestNames, csrf_from
from tests.outage import Outage, database_outage
from tests.questions.asked import Asked, add_asked
from tests.url_builders import share_url_builders

POSTGRES_ENV = "FEEDBACK_TEST_POSTGRES_URL"
TEST_SECRET = "test-secret-key-not-for-production"
#: Empties every table but the migration version and restarts the sequences, between two
#: PostgreSQL tests. DELETE with the foreign keys' triggers off (``replica``) takes a tenth
#: of the time of TRUNCATE, which makes new files for each of the fifty tables.
EMPTY_DATABASE = """
DO $$
DECLARE item record;
BEGIN
  SET LOCAL session_replication_role = replica;
  FOR item IN SELECT tablename FROM pg_tables
      WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    EXECUTE format('DELETE FROM %I', item.tablename);
  END LOOP;
  FOR item IN SELECT sequencename FROM pg_sequences
      WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I RESTART', item.sequencename);
  END LOOP;
END $$
"""


def pytest_configure(config: pytest.Config) -> None:
    share_url_builders()


def base_config(database_url: str, clock: FrozenClock | None = None) -> dict[str, Any]:
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url,
        "BASE_URL": "http://feedback.test",
        "COMPANY_NAME": "Acme",
        # Answers go to the webhooks when settled, as most tests expect; the tests of the quiet
        # time (tests/delivery/test_webhook_announcements.py) set their own.
        "WEBHOOK_QUIET_SECONDS": 0,
        "CLOCK": clock,
    }


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(url), instance_path=str(instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per run; each test gets a copy."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this run, dropped at the end."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set; PostgreSQL runs are skipped")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"feedback_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # Commits need not wait for the disk: a test database outlives no crash.
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url, tmp_path_factory.mktemp("pg"))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every app test runs on SQLite and again on PostgreSQL when a server is configured."""
    if request.param == "sqlite":
        path = tmp_path / "feedback.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(EMPTY_DATABASE))
    engine.dispose()


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> TestNames:
    """Answers for host names under .test and .example; see ``TestNames``."""
    names = TestNames()
    monkeypatch.setattr(socket, "getaddrinfo", names.getaddrinfo)
    return names


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def app_config(database_url: str, clock: FrozenClock) -> dict[str, Any]:
    """Override in a test module (or mutate) to change settings before the app is built."""
    return base_config(database_url, clock)


@pytest.fixture
def app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    application = create_app(app_config, instance_path=str(instance))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def asked(app: Flask, clock: FrozenClock) -> Asked:
    """The CSAT survey's additional questions, one of each type (``add_asked``)."""
    return add_asked(clock)


@pytest.fixture
def outage(database_url: str, app_config: dict[str, Any]) -> Iterator[Outage]:
    """Cut and restore the database for real; the app reaches it through the outage's URL.

    Request it before ``app`` or ``client``: it changes the settings the app is built from.
    """
    with database_outage(database_url) as cut_off:
        app_config.update(cut_off.settings, DATABASE_URL=cut_off.url)
        yield cut_off


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


TEST_PASSWORD = "secret-pass"
#: The test password hashed once, cheaply: production-strength hashing costs 0.2 s a user.
TEST_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1")


@pytest.fixture
def make_user(app: Flask, clock: FrozenClock) -> Callable[..., User]:
    """Add a staff user whose password is ``TEST_PASSWORD``."""

    def make(email: str = "manager@example.com", role: str = "manager") -> User:
        user = User(
            email=email,
            name=email.split("@")[0].title(),
            role=Role(role),
            password_hash=TEST_PASSWORD_HASH,
            created_at=clock.now,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Create a user with ``role`` and log the test client in as them."""

    def do_login(role: str = "manager", email: str | None = None) -> User:
        user = make_user(email=email or f"{role}@example.com", role=role)
        page = client.get("/login")
        response = client.post(
            "/login",
            data={
                "email": user.email,
                "password": TEST_PASSWORD,
                "csrf_token": csrf_from(page.text),
            },
        )
        assert response.status_code == 302, response.text
        return user

    return do_login


@pytest.fixture
def make_api_key(app: Flask, clock: FrozenClock) -> Callable[..., str]:
    """Issue an API key with ``scopes`` (space-separated) and an optional expiry."""
    from feedback_app.models import ApiScope
    from feedback_app.services.api_keys import issue_api_key

    def make(
        scopes: str = "ingest read", name: str = "helpdesk", expires_at: datetime | None = None
    ) -> str:
        return issue_api_key(name, map(ApiScope, scopes.split()), clock.now, expires_at)

    return make


@pytest.fixture
def api_key(make_api_key: Callable[..., str]) -> str:
    """A valid API key with the scopes keys made before scopes existed have: ingest, read."""
    return make_api_key()


@pytest.fixture
def make_invitation(app: Flask, clock: FrozenClock) -> Callable[..., tuple[Invitation, str]]:
    """Add a customer and an invitation to the kind's main survey; returns (invitation, token)."""
    from feedback_app.models import Customer
    from feedback_app.services.invitations import add_invitation, token_for
    from feedback_app.services.surveys import survey_for_kind
    from surveys import SurveyKind

    def make(
        kind: str = "csat", email: str = "customer@example.com", **kwargs: Any
    ) -> tuple[Invitation, str]:
        customer = db.session.scalar(sa.select(Customer).where(Customer.email == email))
        if customer is None:
            customer = Customer(
                email=email, name="Casey", created_at=clock.now, updated_at=clock.now
            )
            db.session.add(customer)
        survey = survey_for_kind(SurveyKind(kind), clock.now)
        invitation = add_invitation(survey, customer, clock.now, **kwargs)
        db.session.commit()
        return invitation, token_for(invitation)

    return make


#: The shared list a migrated database starts with, in its order.
SHARED_TAGS = ("Praise", "Product", "Billing", "Process", "Other")


@pytest.fixture
def shared_tags(app: Flask, clock: FrozenClock) -> dict[str, ReviewTag]:
    """The shared tag list as migration 1114 seeds it, by name: a PostgreSQL test database
    is emptied between tests, so the seeded rows are put back when missing."""
    found = {
        tag.name: tag
        for tag in db.session.scalars(sa.select(ReviewTag).where(ReviewTag.team_id.is_(None)))
    }
    for position, name in enumerate(SHARED_TAGS, start=1):
        if name not in found:
            found[name] = ReviewTag(
                name=name, folded=name.casefold(), position=position, created_at=clock.now
            )
            db.session.add(found[name])
    db.session.commit()
    return found
