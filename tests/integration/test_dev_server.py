"""``feedback dev``: links follow the address the development server listens on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_app import create_app
from feedback_app.cli import scheduling
from feedback_app.config import listening_url
from feedback_app.models import Invitation, User
from feedback_app.services.invitations import survey_url


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The addresses ``feedback dev`` was asked to serve on; nothing is served."""
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(
        scheduling, "run_simple", lambda host, port, *_args, **_kw: calls.append((host, port))
    )
    return calls


def dev(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["dev", "--no-reload", "--no-jobs", *args])
    assert result.exit_code == 0, result.output
    return result.output


class TestWithoutBaseUrl:
    @pytest.fixture
    def app_config(self, app_config: dict[str, Any]) -> dict[str, Any]:
        del app_config["BASE_URL"]
        return app_config

    def test_emails_and_the_embed_snippet_link_to_the_port_served(
        self,
        app: Flask,
        client: FlaskClient,
        login: Callable[..., User],
        make_invitation: Callable[..., tuple[Invitation, str]],
        served: list[tuple[str, int]],
    ) -> None:
        assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
        output = dev(app, "--host", "127.0.0.1", "--port", "5101")
        assert served == [("127.0.0.1", 5101)]
        assert output == "links in emails and webhooks point at http://127.0.0.1:5101\n"
        invitation, token = make_invitation("csat")
        assert survey_url(invitation, 4) == f"http://127.0.0.1:5101/s/{token}?score=4"
        login("admin")
        page = client.get(f"/admin/surveys/{invitation.survey_id}")
        assert '&lt;script src="http://127.0.0.1:5101/embed.js"' in page.text

    def test_a_server_on_every_address_links_to_this_machine(
        self, app: Flask, served: list[tuple[str, int]]
    ) -> None:
        dev(app, "--host", "0.0.0.0", "--port", "5102")
        assert served == [("0.0.0.0", 5102)]
        assert app.config["BASE_URL"] == "http://127.0.0.1:5102"


@pytest.mark.parametrize("url", ["https://feedback.example.com", "http://127.0.0.1:5000"])
def test_a_base_url_set_in_the_environment_is_kept(
    app_config: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    served: list[tuple[str, int]],
    url: str,
) -> None:
    """Even one equal to the built-in default: the links may go through a proxy on 5000."""
    del app_config["BASE_URL"]
    monkeypatch.setenv("FEEDBACK_BASE_URL", url)
    app = create_app(app_config, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        assert dev(app, "--port", "5101") == f"links in emails and webhooks point at {url}\n"
    assert served == [("127.0.0.1", 5101)]
    assert app.config["BASE_URL"] == url


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_port_that_cannot_be_served_is_refused(
    app: Flask, served: list[tuple[str, int]], port: str
) -> None:
    result = app.test_cli_runner().invoke(args=["dev", "--port", port])
    assert result.exit_code == 2
    assert "Invalid value for '--port'" in result.output
    assert served == []


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("localhost", "http://localhost:5101"),
        ("192.168.1.20", "http://192.168.1.20:5101"),
        ("0.0.0.0", "http://127.0.0.1:5101"),
        ("::", "http://[::1]:5101"),
        ("::1", "http://[::1]:5101"),
    ],
)
def test_listening_url(host: str, url: str) -> None:
    assert listening_url(host, 5101) == url
