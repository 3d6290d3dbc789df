"""Test helpers shared by fixtures and tests (fixtures themselves live in conftest.py)."""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server
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


#: The domains no real resolver answers for (RFC 2606, RFC 6761).
RESERVED_DOMAINS = (".test", ".example")
#: A globally reachable address for such names: tests register endpoints there but never
#: send anything to it.
PUBLIC_ADDRESS = "93.184.215.14"


class TestNames:
    """DNS answers for names under ``RESERVED_DOMAINS``, given by a test; other names go to
    the system's resolver as usual. Installed over ``socket.getaddrinfo`` by the ``dns``
    fixture, since no DNS server of ours can be put in front of the system's resolver.

    ``answer(name, [first…], [second…])`` answers each lookup of ``name`` with the next
    list, the last one for good; an empty list is "no such name". ``lookups`` counts them.
    """

    __test__ = False

    def __init__(self) -> None:
        self._answers: dict[str, list[list[str]]] = {}
        self.lookups: dict[str, int] = {}
        self._system = socket.getaddrinfo

    def answer(self, name: str, *answers: list[str]) -> None:
        assert name.endswith(RESERVED_DOMAINS), f"{name} is not under a reserved domain"
        self._answers[name] = [list(addresses) for addresses in answers]

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = str(host).lower().removesuffix(".")
        if not name.endswith(RESERVED_DOMAINS):
            return self._system(host, port, *args, **kwargs)
        self.lookups[name] = self.lookups.get(name, 0) + 1
        turns = self._answers.get(name, [[]])
        addresses = turns.pop(0) if len(turns) > 1 else turns[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        results = []
        for text in addresses:
            address = ip_address(text)
            if address.version == 6:
                results.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (text, port, 0, 0)))
            else:
                results.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (text, port)))
        return results


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
def running(
    command: list[str], env: dict[str, str], cwd: Path, stdout: IO[str] | None = None
) -> Iterator[Running]:
    """Run ``command`` for the duration of the block, then stop it and close its pipes.

    :param stdout: where its standard output goes (by default, nowhere).
    """
    process = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=stdout or subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
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


#: Seconds the racing workers wait for each other to start.
RACE_WAIT = 10


def race(app: Flask, job: Callable[[datetime], int], now: datetime) -> list[int]:
    """Run ``job`` in two threads at once, each until it finds nothing; returns their totals."""
    start = threading.Barrier(2, timeout=RACE_WAIT)
    totals = [0, 0]
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            start.wait()
            while True:
                with app.app_context():
                    handled = job(now)
                if not handled:
                    return
                totals[index] += handled
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RACE_WAIT * 3)
    assert errors == []
    return totals


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


WSGIApp = Callable[..., object]


class Served:
    """A WSGI app listening on 127.0.0.1 in a thread until ``close``."""

    def __init__(self, wsgi_app: WSGIApp) -> None:
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler that answers JSON and logs nothing."""

    def answer_json(self, status: int, answer: object) -> None:
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@contextmanager
def http_server(
    handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
) -> Iterator[str]:
    """``handler`` served on 127.0.0.1 (over TLS with ``tls``) in a thread for the block;
    yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
