"""Test helpers shared by fixtures and tests (fixtures themselves live in conftest.py)."""

from __future__ import annotations

import os
import queue
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

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


def sign_in(
    client: FlaskClient, email: str, password: str, path: str = "/login", **headers: str
) -> TestResponse:
    """Post the sign-in form as a browser does: fetch it, then send it with its CSRF token."""
    # A context of its own per visitor, as in a real process: the test's context would share
    # its ``g`` (and the CSRF token cached there) between the clients of one test.
    with client.application.app_context():
        page = client.get(path, headers=headers)
        return client.post(
            path,
            data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
            headers=headers,
        )


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


#: A key production accepts, made as the start-up check's message says.
PRODUCTION_SECRET = secrets.token_urlsafe(48)


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a ``feedback`` subprocess running as in production on ``database_url``.

    Plain http, as the tests talk to the server without the TLS proxy production puts in
    front (over https its cookies would be Secure, and not sent back). Sign-in counts are
    shared in Redis, as production asks for with several web processes, under a prefix of
    this run's own.
    """
    return {
        **os.environ,
        "FEEDBACK_ENV": "production",
        "FEEDBACK_SECRET_KEY": PRODUCTION_SECRET,
        "FEEDBACK_DATABASE_URL": database_url,
        "FEEDBACK_BASE_URL": "http://127.0.0.1",
        "FEEDBACK_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        "FEEDBACK_RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(8)}",
        **extra,
    }


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
