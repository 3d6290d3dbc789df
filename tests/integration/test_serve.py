"""``feedback serve`` starts gunicorn on the configured database and answers /healthz."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.helpers import feedback_command, free_port, production_env, running, wait_for_line


def test_serve_runs_gunicorn_in_production_mode(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    command = feedback_command("serve", "--bind", f"127.0.0.1:{port}", "--workers", "1")
    with running(command, production_env(database_url), tmp_path) as server:
        wait_for_line(server, "Booting worker")
        response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
    assert response.status_code == 200, response.text
    assert response.json()["database"] == "ok"
    assert len(response.headers["X-Request-ID"]) == 32
