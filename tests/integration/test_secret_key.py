"""The secret key: refused when weak outside development, made per installation inside it.

A known key forges an admin session and embed tokens, so production and the server
processes (``feedback serve``, ``feedback worker``, whatever ``FEEDBACK_ENV`` says) refuse a
missing, short, published or development key; development makes a random one per
installation, once, in the instance folder.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from feedback_app import create_app
from feedback_app.config import ConfigError
from feedback_app.extensions import db
from feedback_app.models import Invitation, User
from feedback_app.secret_key import (
    DEVELOPMENT_KEY_FILE,
    HOW_TO_MAKE_ONE,
    strength_bits,
    weakness,
)
from tests.conftest import TEST_PASSWORD, base_config
from tests.helpers import (
    PRODUCTION_SECRET,
    feedback_command,
    free_port,
    running,
    sign_in,
    wait_for_line,
)

ROOT = Path(__file__).resolve().parents[2]


#: Development as ``make run`` has it: no key set.
DEVELOPMENT = {"ENV": "development", "SECRET_KEY": None}


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    return {**app_config, **getattr(request, "param", {})}


def production_config(database_url: str, key: str | None) -> dict[str, Any]:
    return {**base_config(database_url), "ENV": "production", "WEB_WORKERS": 1, "SECRET_KEY": key}


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (None, "it is not set"),
        ("", "it is not set"),
        ("change-me", "it is a published example value"),
        ("dev-insecure-secret-key", "it is a published example value"),
        ("a" * 64, "it has about 4 bits of entropy, 256 needed"),
        ("x" * 48, "it has about 5 bits of entropy, 256 needed"),
        ("abcdefghijklmnopqrstuvwxyz0123456789", "it has about 10 bits of entropy, 256 needed"),
        (
            "correct horse battery staple is the secret key of our feedback app",
            "it has about 155 bits of entropy, 256 needed",
        ),
        (
            "CorrectHorseBatteryStapleIsTheSecretKeyOfOurFeedbackApp",
            "it has about 155 bits of entropy, 256 needed",
        ),
        ("Hx7pQ2vL9sK4mW8nR3tY6uJ1", "it has about 143 bits of entropy, 256 needed"),
    ],
)
def test_production_refuses_a_missing_weak_or_published_key_saying_how_to_make_one(
    database_url: str, tmp_path: Path, key: str | None, reason: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        create_app(production_config(database_url, key), instance_path=str(tmp_path / "i"))
    assert str(refused.value).splitlines() == [
        "configuration problems:",
        "- FEEDBACK_SECRET_KEY must be set to a long random value when FEEDBACK_ENV='production'"
        f" ({reason}); generate one with: {HOW_TO_MAKE_ONE}",
    ]


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(32),
        lambda: secrets.token_hex(32),
        lambda: secrets.token_hex(32).upper(),
        lambda: secrets.token_urlsafe(48),
    ],
    ids=["token_urlsafe(32)", "token_hex(32)", "TOKEN_HEX(32)", "token_urlsafe(48)"],
)
def test_random_keys_of_32_bytes_pass_every_time(make: Callable[[], str]) -> None:
    """Thousands of draws, so a rule that refuses even one random key in a thousand fails."""
    refused = [key for key in (make() for _ in range(5000)) if weakness(key, None)]
    assert refused == []


def test_production_starts_with_a_random_key(database_url: str, tmp_path: Path) -> None:
    key = secrets.token_urlsafe(32)
    app = create_app(production_config(database_url, key), instance_path=str(tmp_path / "i"))
    assert app.config["SECRET_KEY"] == key


def test_raw_random_bytes_count_eight_bits_each_and_repeated_bytes_do_not() -> None:
    assert strength_bits(os.urandom(32)) == 256
    assert strength_bits(b"\xff" * 64) < 64


def test_development_makes_a_key_per_installation_once_readable_by_the_owner_only(
    database_url: str, tmp_path: Path
) -> None:
    config = {**base_config(database_url), **DEVELOPMENT}
    first = create_app(config, instance_path=str(tmp_path / "one")).config["SECRET_KEY"]
    again = create_app(config, instance_path=str(tmp_path / "one")).config["SECRET_KEY"]
    other = create_app(config, instance_path=str(tmp_path / "two")).config["SECRET_KEY"]

    key_file = tmp_path / "one" / DEVELOPMENT_KEY_FILE
    assert key_file.read_text() == first + "\n"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert again == first
    assert other != first
    assert weakness(first, None) is None  # as strong as a production key, only not secret
    assert list((tmp_path / "one").iterdir()) == [key_file]  # no temporary file left behind


def test_the_development_key_file_is_not_committed() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", f"instance/{DEVELOPMENT_KEY_FILE}"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0


@pytest.mark.parametrize("app_config", [DEVELOPMENT], indirect=True)
def test_a_restart_keeps_the_development_key_so_sessions_and_survey_links_survive(
    app_config: dict[str, Any],
    tmp_path: Path,
    client: FlaskClient,
    login: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    """A second start of one installation, as a second ``make run``, knows the first's
    session cookies and survey links."""
    login()
    _, token = make_invitation()
    cookie = client.get_cookie("session")
    assert cookie is not None

    restarted = create_app(app_config, instance_path=str(tmp_path / "instance"))
    browser = restarted.test_client()
    browser.set_cookie("session", cookie.value)
    with restarted.app_context():
        assert browser.get("/followups/").status_code == 200
        assert browser.get(f"/s/{token}").status_code == 200
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    ("use_it", "reason"),
    [(False, "it is not set"), (True, "it is this installation's development key")],
)
def test_the_server_processes_refuse_the_development_key(
    database_url: str, tmp_path: Path, use_it: bool, reason: str
) -> None:
    """Not made for them, nor taken if copied into the settings."""
    development = {**base_config(database_url), **DEVELOPMENT}
    key = create_app(development, instance_path=str(tmp_path)).config["SECRET_KEY"]
    config = {**development, "SECRET_KEY": key if use_it else None}
    with pytest.raises(ConfigError) as refused:
        create_app(config, instance_path=str(tmp_path), server=True)
    assert str(refused.value).splitlines()[1:] == [
        "- FEEDBACK_SECRET_KEY must be set to a long random value for feedback serve and"
        f" feedback worker ({reason}); generate one with: {HOW_TO_MAKE_ONE}"
    ]
    assert (tmp_path / DEVELOPMENT_KEY_FILE).read_text() == key + "\n"


def test_a_server_app_never_shows_the_development_mailbox(
    app_config: dict[str, Any], tmp_path: Path, login: Callable[..., User], client: FlaskClient
) -> None:
    login("admin")
    assert client.get("/dev/mailbox/").status_code == 200
    server = create_app(
        {**app_config, "SECRET_KEY": PRODUCTION_SECRET},
        instance_path=str(tmp_path / "instance"),
        server=True,
    )
    with server.app_context():
        browser = server.test_client()
        assert sign_in(browser, "admin@example.com", TEST_PASSWORD).status_code == 302
        assert browser.get("/dev/mailbox/").status_code == 404
        assert "Mailbox" not in browser.get("/followups/").text
        db.session.remove()
        db.engine.dispose()
    assert "Mailbox" in client.get("/followups/").text


def development_env(database_url: str, **extra: str) -> dict[str, str]:
    """A ``feedback`` command's environment without ``FEEDBACK_ENV``: development."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_")}
    return {**env, "FEEDBACK_DATABASE_URL": database_url, **extra}


@pytest.mark.parametrize("command", [["serve", "--bind", "127.0.0.1:1"], ["worker"]])
def test_serve_and_worker_refuse_to_start_without_a_key_whatever_the_env(
    database_url: str, tmp_path: Path, command: list[str]
) -> None:
    result = subprocess.run(
        feedback_command(*command),
        env=development_env(database_url, FEEDBACK_SMTP_SECURITY="tls"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    # Every problem at once, the server's with the rest, as a message rather than a trace.
    assert result.stderr.splitlines() == [
        "Error: configuration problems:",
        "- FEEDBACK_SECRET_KEY must be set to a long random value for feedback serve and"
        f" feedback worker (it is not set); generate one with: {HOW_TO_MAKE_ONE}",
        "- FEEDBACK_SMTP_SECURITY must be none, starttls or ssl",
    ]


def test_serve_without_an_env_never_shows_the_development_mailbox(
    database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = development_env(
        database_url, FEEDBACK_SECRET_KEY=PRODUCTION_SECRET, FEEDBACK_WEB_WORKERS="1"
    )
    command = feedback_command("serve", "--bind", f"127.0.0.1:{port}")
    with running(command, env, tmp_path) as server:
        wait_for_line(server, "Booting worker")
        mailbox = requests.get(f"http://127.0.0.1:{port}/dev/mailbox/", timeout=10)
        login = requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
    assert mailbox.status_code == 404
    assert login.status_code == 200


def test_the_example_config_holds_no_usable_key() -> None:
    example = ROOT / "instance" / "config.example.py"
    settings: dict[str, Any] = {}
    exec(compile(example.read_text(), str(example), "exec"), settings)
    assert not settings.get("SECRET_KEY")
    assert HOW_TO_MAKE_ONE in example.read_text()


@pytest.mark.parametrize("document", ["README.md", "instance/config.example.py"])
def test_every_key_the_documentation_shows_is_refused(document: str) -> None:
    """A reader is shown how to make a key; any key shown to copy would be refused."""
    text = (ROOT / document).read_text()
    shown = re.findall(r"SECRET_KEY\s*[=:]\s*[\"'`]?([^\s\"'`]*)", text)
    assert [key for key in shown if weakness(key, None) is None] == []
    assert HOW_TO_MAKE_ONE in text
