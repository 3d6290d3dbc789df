"""Answer submission under 16 concurrent connections, against a minimal insert endpoint.

Both sides run under gunicorn with ``feedback serve``'s settings on a fresh SQLite database
(or ``--database-url``) seeded with the same invitations. The real side is the survey page's
POST (CSRF check, score validation, bucketing, invitation lock and status, rollups,
follow-up cases and webhooks); the baseline (``baseline_app.py``) inserts the same
``responses`` row and nothing else. Each of 16 client threads posts its share of answers on
its own keep-alive session; the figures are answers per second and p99 latency, and the
ratio of the two throughputs is the figure to watch (target: at least 0.5).

Run: ``.venv/bin/python benchmarks/submit.py [--answers N]``. ``run()`` returns the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from flask_migrate import upgrade
from scratch_databases import fresh_database, postgres_configured

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Customer
from feedback_app.services.invitations import add_invitation, token_for
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
#: Web processes on each side, as ``feedback serve`` starts on this 2-core machine.
WORKERS = 4
ANSWERS = 3200
SECRET = "benchmark-secret-key-" + "x" * 32
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _seed(url: str, folder: Path, count: int) -> tuple[int, list[tuple[int, str]]]:
    """Migrate and add ``count`` invitations; returns the survey id and (id, token) pairs."""
    now = datetime.now(UTC)
    config = {"ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url}
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


@contextmanager
def _gunicorn(app_spec: str, url: str, folder: Path, extra: list[str]) -> Iterator[str]:
    """Serve ``app_spec`` with the production gunicorn settings; yields the base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "FEEDBACK_ENV": "production",
        "FEEDBACK_SECRET_KEY": SECRET,
        "FEEDBACK_DATABASE_URL": url,
        "FEEDBACK_BASE_URL": "http://127.0.0.1",
    }
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


def _hammer(
    post: Callable[[requests.Session, int, dict[str, str]], requests.Response],
    prepare: Callable[[requests.Session], dict[str, str]],
    count: int,
) -> dict[str, float]:
    """Post ``count`` answers over CONNECTIONS threads; throughput and latency percentiles."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    shares = [range(i, count, CONNECTIONS) for i in range(CONNECTIONS)]

    def client(share: range) -> None:
        with requests.Session() as session:
            fields = prepare(session)
            for index in share:
                started = time.perf_counter()
                response = post(session, index, fields)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != 303:
                        failures.append(response.status_code)

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} answers failed: {sorted(set(failures))}")
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "per_second": count / wall,
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
    }


def _score(index: int) -> str:
    return str(1 + index % 5)


def measure_ours(url: str, folder: Path, count: int) -> dict[str, float]:
    _, pairs = _seed(url, folder, count)
    with _gunicorn("feedback_app:create_app()", url, folder, []) as base:

        def prepare(session: requests.Session) -> dict[str, str]:
            """Open one survey page for the session cookie and its CSRF token."""
            page = session.get(f"{base}/s/{pairs[0][1]}", timeout=60)
            match = CSRF.search(page.text)
            if match is None:
                raise RuntimeError(f"no CSRF token on the survey page: {page.status_code}")
            return {"csrf_token": match.group(1)}

        def post(
            session: requests.Session, index: int, fields: dict[str, str]
        ) -> requests.Response:
            return session.post(
                f"{base}/s/{pairs[index][1]}",
                data={**fields, "score": _score(index), "comment": "benchmark answer"},
                allow_redirects=False,
                timeout=120,
            )

        return _hammer(post, prepare, count)


def measure_baseline(url: str, folder: Path, count: int) -> dict[str, float]:
    survey_id, pairs = _seed(url, folder, count)
    extra = ["--pythonpath", str(ROOT / "benchmarks")]
    with _gunicorn("baseline_app:create()", url, folder, extra) as base:

        def post(
            session: requests.Session, index: int, _fields: dict[str, str]
        ) -> requests.Response:
            return session.post(
                f"{base}/answer/{survey_id}/{pairs[index][0]}",
                data={"score": _score(index), "comment": "benchmark answer"},
                allow_redirects=False,
                timeout=120,
            )

        return _hammer(post, lambda session: {}, count)


def run(answers: int = ANSWERS, dialect: str | None = None) -> dict[str, Any]:
    """Both sides on fresh databases; the real path's throughput ratio and its p99.

    PostgreSQL, the production set-up, when a server is configured; else SQLite.
    """
    dialect = dialect or ("postgresql" if postgres_configured() else "sqlite")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with fresh_database(dialect, folder, "baseline") as url:
            baseline = measure_baseline(url, folder, answers)
        with fresh_database(dialect, folder, "submit") as url:
            ours = measure_ours(url, folder, answers)
    return {
        "database": dialect,
        "answers": answers,
        "connections": CONNECTIONS,
        "submit_per_second": round(ours["per_second"], 1),
        "submit_p50_ms": round(ours["p50_ms"], 1),
        "submit_p99_ms": round(ours["p99_ms"], 1),
        "baseline_per_second": round(baseline["per_second"], 1),
        "baseline_p99_ms": round(baseline["p99_ms"], 1),
        "submit_ratio": round(ours["per_second"] / baseline["per_second"], 3),
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
