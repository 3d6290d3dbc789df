"""Answer submission under 16 concurrent connections, against a minimal insert endpoint.

Both sides run under gunicorn with ``feedback serve``'s settings on a fresh database
(PostgreSQL when one is configured, else SQLite) seeded with the same invitations. The real
side is the survey page's POST (CSRF check, score validation, bucketing, invitation lock and
status) with a ``feedback worker`` beside it settling the answers (follow-up cases, webhooks,
rollups); a turn ends only when the worker has settled every answer of it, so its work is
counted. The baseline (``baseline_app.py``) inserts the same ``responses`` row and nothing
else. Each of 16 client threads posts its share of answers on its own session; the figures
are answers per second and p99 latency, and the ratio of the two throughputs is the figure
to watch (target: at least 0.5). The two servers run side by side and take turns (see
``run``), so the machine's other load weighs on both alike.

Run: ``.venv/bin/python benchmarks/submit.py [--answers N]``. ``run()`` returns the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from flask_migrate import upgrade
from scratch_databases import fresh_database, postgres_configured

from feedback_app import create_app
from feedback_app.cli.serve import APP as SERVED_APP
from feedback_app.extensions import db
from feedback_app.models import Customer
from feedback_app.services.invitations import add_invitation, token_for
from feedback_app.services.settling import backlog, settle_answers
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
#: Web processes on each side, as ``feedback serve`` starts on this 2-core machine.
WORKERS = 4
ANSWERS = 3200
#: Turns each side takes; each side answers ANSWERS in all, split evenly between its turns.
ROUNDS = 4
SECRET = secrets.token_urlsafe(48)
#: Production settings: several web processes share their sign-in counts in Redis (only
#: named here: the survey page counts nothing there).
PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": SECRET,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _seed(url: str, folder: Path, count: int) -> tuple[int, list[tuple[int, str]]]:
    """Migrate and add ``count`` invitations; returns the survey id and (id, token) pairs."""
    now = datetime.now(UTC)
    config = {**PRODUCTION, "DATABASE_URL": url}
    app = create_app(config, instance_path=str(folder / "instance"))
    with app.app_context():
        upgrade()
        survey = survey_for_kind(SurveyKind.CSAT, now)
        customers = [
            Customer(email=f"c{n}@bench.example", created_at=now, updated_at=now)
            for n in range(count)
        ]
        db.session.add_all(customers)
        db.session.flush()
        pairs = []
        for customer in customers:
            invitation = add_invitation(
                survey, customer, now, scheduled_for=now + timedelta(days=1)
            )
            pairs.append((invitation.id, token_for(invitation)))
        db.session.commit()
        survey_id = survey.id
        db.engine.dispose()
    return survey_id, pairs


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        **{f"FEEDBACK_{name}": value for name, value in PRODUCTION.items()},
        "FEEDBACK_DATABASE_URL": url,
        "FEEDBACK_BASE_URL": "http://127.0.0.1",
    }


@contextmanager
def _gunicorn(app_spec: str, url: str, folder: Path, extra: list[str]) -> Iterator[str]:
    """Serve ``app_spec`` with the production gunicorn settings; yields the base URL."""
    port = _free_port()
    env = _environment(url)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "feedback_app" / "gunicorn_config.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--access-logfile",
        "/dev/null",
        *extra,
        app_spec,
    ]
    process = subprocess.Popen(command, env=env, cwd=folder, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    try:
        booted = 0
        for line in process.stderr:
            booted += "Booting worker" in line
            if booted == WORKERS:
                break
        else:
            raise RuntimeError("gunicorn did not start its workers")
        threading.Thread(target=process.stderr.read, daemon=True).start()
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=60)


Post = Callable[[requests.Session, int], requests.Response]


@dataclass
class Side:
    """One server under test: how it posts answer ``index``, and what it measured so far."""

    post: Post
    sessions: list[requests.Session]
    #: Waits until the server has done all it does after the answers (its worker's share).
    settle: Callable[[], None] = lambda: None
    #: The status a successful post answers with.
    ok: int = 303
    #: Answers handed out so far; each index is one seeded invitation, answered once.
    used: int = 0
    seconds: float = 0.0
    answers: int = 0
    latencies: list[float] = field(default_factory=list)

    def burst(self, count: int) -> tuple[float, list[float]]:
        """Post the next ``count`` answers over CONNECTIONS threads; wall time and latencies."""
        first, self.used = self.used, self.used + count
        latencies: list[float] = []
        failures: list[int] = []
        lock = threading.Lock()

        def client(session: requests.Session, share: range) -> None:
            for index in share:
                started = time.perf_counter()
                response = self.post(session, index)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != self.ok:
                        failures.append(response.status_code)

        threads = [
            threading.Thread(
                target=client, args=(session, range(first + i, first + count, CONNECTIONS))
            )
            for i, session in enumerate(self.sessions)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.settle()
        wall = time.perf_counter() - started
        if failures:
            raise RuntimeError(f"{len(failures)} answers failed: {sorted(set(failures))}")
        return wall, latencies

    def measure(self, count: int) -> None:
        wall, latencies = self.burst(count)
        self.seconds += wall
        self.answers += count
        self.latencies.extend(latencies)

    def figures(self) -> dict[str, float]:
        quantiles = statistics.quantiles(self.latencies, n=100)
        return {
            "per_second": self.answers / self.seconds,
            "p50_ms": quantiles[49] * 1000,
            "p99_ms": quantiles[98] * 1000,
        }


def _score(index: int) -> str:
    return str(1 + index % 5)


def _form(index: int) -> dict[str, str]:
    return {"score": _score(index), "comment": "benchmark answer"}


@contextmanager
def _worker(
    url: str,
    folder: Path,
    settle_rest: Callable[[], int] = settle_answers,
    waiting: Callable[[], tuple[int, Any]] = backlog,
) -> Iterator[Callable[[], None]]:
    """``feedback worker`` beside the web processes; yields a wait for all answers (or, with
    another ``settle_rest`` and ``waiting``, interactions) to be settled.

    The worker settles answers once a second. So that a turn does not end up to a second
    late, waiting for its next run, the wait settles the rest itself with the same code,
    then waits for the batch the worker may be in the middle of.
    """
    feedback = Path(sys.executable).parent / "feedback"
    process = subprocess.Popen(
        [str(feedback), "worker"],
        env=_environment(url),
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    config = {**PRODUCTION, "DATABASE_URL": url}
    app = create_app(config, instance_path=str(folder / "instance"))

    def settle() -> None:
        with app.app_context():
            while settle_rest():
                pass
            while waiting()[0]:
                db.session.rollback()
                time.sleep(0.005)
            db.session.rollback()

    try:
        yield settle
    finally:
        process.terminate()
        process.wait(timeout=60)
        with app.app_context():
            db.engine.dispose()


@contextmanager
def ours(url: str, folder: Path, count: int) -> Iterator[Side]:
    """The survey page POST, each of the 16 sessions with its page's cookie and CSRF token,
    and a worker settling the answers (cases, webhooks, rollups), which each turn waits for.

    Each session sends its cookie as a plain header, as a browser does: ``requests``' cookie
    jar would cost the client, on the same two cores, more than the server's whole cookie
    and CSRF check, and the baseline's client has no cookie to carry.
    """
    _, pairs = _seed(url, folder, count)
    with (
        _gunicorn(SERVED_APP, url, folder, []) as base,
        _worker(url, folder) as settle,
    ):
        sessions, tokens = [], []
        for _ in range(CONNECTIONS):
            page = requests.get(f"{base}/s/{pairs[0][1]}", timeout=60)
            match = CSRF.search(page.text)
            if match is None:
                raise RuntimeError(f"no CSRF token on the survey page: {page.status_code}")
            session = requests.Session()
            session.headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in page.cookies)
            sessions.append(session)
            tokens.append(match.group(1))
        csrf = dict(zip(map(id, sessions), tokens, strict=True))

        def post(session: requests.Session, index: int) -> requests.Response:
            return session.post(
                f"{base}/s/{pairs[index][1]}",
                data={"csrf_token": csrf[id(session)], **_form(index)},
                allow_redirects=False,
                timeout=120,
            )

        yield Side(post, sessions, settle)


@contextmanager
def baseline(url: str, folder: Path, count: int) -> Iterator[Side]:
    """The minimal insert endpoint (``baseline_app.py``)."""
    survey_id, pairs = _seed(url, folder, count)
    extra = ["--pythonpath", str(ROOT / "benchmarks")]
    with _gunicorn("baseline_app:create()", url, folder, extra) as base:

        def post(session: requests.Session, index: int) -> requests.Response:
            return session.post(
                f"{base}/answer/{survey_id}/{pairs[index][0]}",
                data=_form(index),
                allow_redirects=False,
                timeout=120,
            )

        yield Side(post, [requests.Session() for _ in range(CONNECTIONS)])


def bursts(total: int) -> tuple[int, int]:
    """The size of each measured turn and of the warm-up, for ``total`` posts a side."""
    burst = max(total // ROUNDS, CONNECTIONS)
    return burst, max(burst // 4, CONNECTIONS)


def take_turns(minimal: Side, page: Side, total: int) -> None:
    """A warm-up each, then turns in the order baseline, ours, ours, baseline, ..."""
    burst, warmup = bursts(total)
    for side in (minimal, page):
        side.burst(warmup)
    for turn in range(ROUNDS):
        for side in (minimal, page) if turn % 2 == 0 else (page, minimal):
            side.measure(burst)


def run(answers: int = ANSWERS, dialect: str | None = None) -> dict[str, Any]:
    """Both sides on fresh databases, measured in turns; the throughput ratio and our p99.

    PostgreSQL, the production set-up, when a server is configured; else SQLite. Both
    servers run side by side; after a warm-up each, they take turns in the order
    baseline, ours, ours, baseline, ... so that a load drifting on the (shared) machine
    weighs on both alike.
    """
    dialect = dialect or ("postgresql" if postgres_configured() else "sqlite")
    burst, warmup = bursts(answers)
    seeded = warmup + ROUNDS * burst
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with (
            fresh_database(dialect, folder, "baseline") as baseline_url,
            fresh_database(dialect, folder, "submit") as submit_url,
            baseline(baseline_url, folder / "baseline", seeded) as minimal,
            ours(submit_url, folder / "submit", seeded) as page,
        ):
            take_turns(minimal, page, answers)
            mine, theirs = page.figures(), minimal.figures()
    return {
        "database": dialect,
        "answers": page.answers,
        "connections": CONNECTIONS,
        "submit_per_second": round(mine["per_second"], 1),
        "submit_p50_ms": round(mine["p50_ms"], 1),
        "submit_p99_ms": round(mine["p99_ms"], 1),
        "baseline_per_second": round(theirs["per_second"], 1),
        "baseline_p99_ms": round(theirs["p99_ms"], 1),
        "submit_ratio": round(mine["per_second"] / theirs["per_second"], 3),
    }


def table(figures: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"Answer submission: {figures['answers']:,} answers over "
            f"{figures['connections']} connections (gunicorn, {figures['database']})",
            f"{'endpoint':<24} {'answers/s':>10} {'p99 ms':>8}",
            f"{'survey page POST':<24} {figures['submit_per_second']:>10,.1f}"
            f" {figures['submit_p99_ms']:>8.1f}",
            f"{'minimal insert':<24} {figures['baseline_per_second']:>10,.1f}"
            f" {figures['baseline_p99_ms']:>8.1f}",
            f"{'ratio (target >= 0.5)':<24} {figures['submit_ratio']:>10.3f}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=ANSWERS)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default=None)
    args = parser.parse_args()
    print(table(run(args.answers, args.database)))


if __name__ == "__main__":
    main()
