"""No log line holds a link's token: not the app's own, the development server's or gunicorn's."""

from __future__ import annotations

import io
import logging
import os
import queue
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.logs import mask_tokens
from feedback_app.web import public
from tests.helpers import (
    Running,
    feedback_command,
    free_port,
    production_env,
    running,
    wait_for_line,
)

MakeInvitation = Callable[..., tuple[Any, str]]
TOKEN = "Q6fwzlEi2-ZpnAQ2i4FB7KBjIOcWt5MGzY6lx0-rnZg"
SIGNATURE = "5d41402abc4b2a76b9719d911017c592" * 2


def everything_written(server: Running) -> str:
    """All the process wrote to stderr, once it has stopped."""
    lines = list(server.seen)
    while True:
        try:
            line = server.lines.get_nowait()
        except queue.Empty:
            return "".join(lines)
        if line is not None:
            lines.append(line)


def test_every_route_with_a_token_is_masked(app: Flask) -> None:
    adapter = app.url_map.bind("feedback.test")
    routes = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert {rule.endpoint for rule in routes} >= {"public.survey", "unsubscribe.choose"}
    for rule in routes:
        path = adapter.build(rule.endpoint, {"token": TOKEN})
        line = mask_tokens(f'127.0.0.1 "GET {path}?score=3 HTTP/1.1" 200 Referer: https://x{path}')
        assert TOKEN not in line, rule.rule
        assert f"GET {path.replace(TOKEN, '…rnZg')}?score=3 HTTP/1.1" in line


def test_an_embeds_signed_identity_is_masked() -> None:
    line = mask_tokens(
        f"GET /embed/KEY?locale=fr&customer=ana%40example.com&signature={SIGNATURE} HTTP/1.1"
    )
    assert line == "GET /embed/KEY?locale=fr&customer=….com&signature=…c592 HTTP/1.1"


@pytest.fixture
def app_log(app: Flask) -> Iterator[io.StringIO]:
    """What the app's own log handler writes, while the test runs."""
    logger = logging.getLogger("feedback_app")
    [handler] = [h for h in logger.handlers if h.get_name() == "feedback-app"]
    written = io.StringIO()
    previous = handler.setStream(written)
    yield written
    handler.setStream(previous)


@pytest.fixture
def errors_logged(app_config: dict[str, Any]) -> None:
    """Errors answered with a 500 page and logged, as in production, not raised in the test."""
    app_config["PROPAGATE_EXCEPTIONS"] = False


def test_the_apps_own_lines_hold_no_token(
    errors_logged: None,
    client: FlaskClient,
    app_log: io.StringIO,
    make_invitation: MakeInvitation,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, token = make_invitation()

    def broken(*_args: object) -> None:
        raise RuntimeError("the open could not be noted")

    monkeypatch.setattr(public, "record_open", broken)
    assert client.get(f"/s/{token}?score=4").status_code == 500

    written = app_log.getvalue()
    assert f"Exception on /s/…{token[-4:]} [GET]" in written
    assert "RuntimeError: the open could not be noted" in written
    assert token not in written


def test_the_development_server_logs_no_token(
    database_url: str, tmp_path: Path, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation()
    port = free_port()
    env = {
        **os.environ,
        "FEEDBACK_ENV": "development",
        "FEEDBACK_SECRET_KEY": secrets.token_urlsafe(48),
        "FEEDBACK_DATABASE_URL": database_url,
    }
    command = feedback_command("dev", "--port", str(port), "--no-reload", "--no-jobs")
    with running(command, env, tmp_path) as server:
        wait_for_line(server, "Running on")
        requests.get(f"http://127.0.0.1:{port}/s/{token}?score=4", timeout=10).close()
        wait_for_line(server, "/s/")
    written = everything_written(server)
    assert f"GET /s/…{token[-4:]}?score=4 HTTP/1.1" in written
    assert token not in written


def test_gunicorn_logs_no_token(
    database_url: str, tmp_path: Path, make_invitation: MakeInvitation
) -> None:
    invitation, token = make_invitation()
    key = invitation.survey.public_key
    port = free_port()
    paths = [
        f"/s/{token}?score=4",
        f"/u/{token}",
        f"/embed/{key}?customer=ana%40example.com&signature={SIGNATURE}",
    ]
    command = feedback_command("serve", "--bind", f"127.0.0.1:{port}", "--workers", "1")
    access_log = tmp_path / "access.log"
    with (
        access_log.open("w") as stdout,
        running(command, production_env(database_url), tmp_path, stdout) as server,
    ):
        wait_for_line(server, "Booting worker")
        for path in paths:
            requests.get(f"http://127.0.0.1:{port}{path}", timeout=10).close()
    lines = access_log.read_text().splitlines()
    assert [line.split('"')[1] for line in lines] == [
        f"GET /s/…{token[-4:]}?score=4 HTTP/1.1",
        f"GET /u/…{token[-4:]} HTTP/1.1",
        f"GET /embed/{key}?customer=….com&signature=…c592 HTTP/1.1",
    ]
    written = access_log.read_text() + everything_written(server)
    assert token not in written
    assert SIGNATURE not in written
