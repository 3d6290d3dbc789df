"""``feedback serve`` starts gunicorn on the configured database and answers /healthz."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_booted(process: subprocess.Popen[str], deadline_seconds: float = 60) -> None:
    """Read gunicorn's log until a worker has booted; fail with the log if it exits first."""
    seen = []
    deadline = time.monotonic() + deadline_seconds
    assert process.stderr is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], deadline - time.monotonic())
        line = process.stderr.readline() if ready else ""
        if not line:
            break
        seen.append(line)
        if "Booting worker" in line:
            return
    raise AssertionError("gunicorn did not boot a worker:\n" + "".join(seen))


def test_serve_runs_gunicorn_in_production_mode(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "FEEDBACK_ENV": "production",
        "FEEDBACK_SECRET_KEY": "x" * 48,
        "FEEDBACK_DATABASE_URL": database_url,
        "FEEDBACK_BASE_URL": "https://feedback.example.com",
    }
    feedback = Path(sys.executable).with_name("feedback")
    process = subprocess.Popen(
        [str(feedback), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_booted(process)
        response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        assert len(response.headers["X-Request-ID"]) == 32
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()
