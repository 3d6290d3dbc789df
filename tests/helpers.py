"""Test helpers shared by fixtures and tests (fixtures themselves live in conftest.py)."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from feedback_app.models import Invitation, Response
from feedback_app.services.responses import lock_invitation, record_response
from surveys.answers import ResponseSource


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


class Running:
    """A subprocess whose stderr is read line by line in a thread, so its pipe never fills."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)
        self.lines.put(None)

    def poll(self) -> int | None:
        return self.process.poll()

    def kill(self) -> None:
        self.process.kill()

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)


def wait_for_line(running: Running, marker: str, deadline_seconds: float = 60) -> list[str]:
    """Wait until the process writes a line containing ``marker``; fail with its log if not."""
    deadline = time.monotonic() + deadline_seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = running.lines.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        running.seen.append(line)
        if marker in line:
            return running.seen
    raise AssertionError(f"no line with {marker!r}:\n" + "".join(running.seen))


@contextmanager
def running(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[Running]:
    """Run ``command`` for the duration of the block, then stop it and close its pipes."""
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    handle = Running(process)
    try:
        yield handle
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)
        handle._reader.join(timeout=10)
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


def wait_for_lock_waiters(engine: sa.Engine, count: int) -> None:
    """Wait until ``count`` sessions of this PostgreSQL database wait for a lock."""
    with engine.connect() as watcher:
        waiting = sa.text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        # Each check is a round trip; the loop ends as soon as the sessions are queued.
        deadline = time.monotonic() + 30
        while watcher.execute(waiting).scalar_one() < count:
            watcher.rollback()
            assert time.monotonic() < deadline, "nothing queued behind the lock"


def store_answer(invitation: Invitation, score: int, now: datetime, comment: str = "") -> Response:
    """Answer ``invitation`` as the survey page does: stored, not yet settled by the worker."""
    return record_response(
        invitation.survey,
        score,
        comment,
        now,
        source=ResponseSource.PAGE,
        invitation=lock_invitation(invitation),
    )
