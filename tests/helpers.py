"""Test helpers shared by fixtures and tests (fixtures themselves live in conftest.py)."""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path


class FrozenClock:
    """A clock that only moves when a test says so."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token field in page"
    return match.group(1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def feedback_command(*args: str) -> list[str]:
    """The ``feedback`` console script of this environment, with ``args``."""
    return [str(Path(sys.executable).with_name("feedback")), *args]


def wait_for_line(
    process: subprocess.Popen[str], marker: str, deadline_seconds: float = 60
) -> list[str]:
    """Read the process's stderr until a line contains ``marker``; fail with the log if not."""
    seen: list[str] = []
    deadline = time.monotonic() + deadline_seconds
    assert process.stderr is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], deadline - time.monotonic())
        line = process.stderr.readline() if ready else ""
        if not line:
            break
        seen.append(line)
        if marker in line:
            return seen
    raise AssertionError(f"no line with {marker!r}:\n" + "".join(seen))


@contextmanager
def running(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    """Run ``command`` for the duration of the block, then stop it and close its pipes."""
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)
        if process.stderr:
            process.stderr.close()


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a ``feedback`` subprocess running as in production on ``database_url``."""
    return {
        **os.environ,
        "FEEDBACK_ENV": "production",
        "FEEDBACK_SECRET_KEY": "x" * 48,
        "FEEDBACK_DATABASE_URL": database_url,
        "FEEDBACK_BASE_URL": "https://feedback.example.com",
        **extra,
    }
