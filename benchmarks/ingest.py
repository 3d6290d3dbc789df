"""Interaction ingest under 16 concurrent connections, against a bare insert endpoint.

Built like ``submit.py``: both sides under gunicorn with ``feedback serve``'s settings on
fresh databases (PostgreSQL when one is configured, else SQLite), taking turns. The real side
is ``POST /api/v1/interactions`` (API key, validation, customer, agent and team upserts, the
interaction and its survey invitation), with a ``feedback worker`` beside it settling the
interactions into the support rollups; a turn ends only when the worker has settled every
interaction of it, so that upkeep is counted. The baseline (``baseline_app.py``) inserts the
same ``interactions`` row and nothing else. The figure to watch is the ratio of the two
throughputs (target: at least 0.5).

Run: ``.venv/bin/python benchmarks/ingest.py [--posts N]``. ``run()`` returns the figures.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from flask_migrate import upgrade
from scratch_databases import fresh_database, postgres_configured
from submit import CONNECTIONS, PRODUCTION, Side, _gunicorn, _worker, take_turns

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import ApiScope
from feedback_app.services.api_keys import issue_api_key
from feedback_app.services.support.settling import backlog, settle_interactions

ROOT = Path(__file__).resolve().parent.parent
POSTS = 3200
CHANNELS = ("email", "chat", "phone", "social", "other")
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _payload(index: int) -> dict[str, Any]:
    """One closed ticket: a new customer (so a new invitation), one of 16 agents, 4 teams."""
    opened = START + timedelta(minutes=7 * index)
    return {
        "external_id": f"BENCH-{index}",
        "customer": {"email": f"customer{index}@bench.example", "properties": {"plan": "pro"}},
        "channel": CHANNELS[index % len(CHANNELS)],
        "agent": {"email": f"agent{index % 16}@bench.example", "name": f"Agent {index % 16}"},
        "team": f"Team {index % 4}",
        "opened_at": opened.isoformat(),
        "first_response_at": (opened + timedelta(minutes=4)).isoformat(),
        "resolved_at": (opened + timedelta(hours=2)).isoformat(),
        "handle_seconds": 300 + index % 900,
    }


def _prepare(url: str, folder: Path) -> str:
    """Migrate; returns an API key with the scope ``POST /api/v1/interactions`` needs."""
    config = {**PRODUCTION, "DATABASE_URL": url}
    app = create_app(config, instance_path=str(folder / "instance"))
    with app.app_context():
        upgrade()
        key = issue_api_key("bench", [ApiScope.INGEST], datetime.now(UTC))
        db.engine.dispose()
    return key


@contextmanager
def ours(url: str, folder: Path) -> Iterator[Side]:
    folder.mkdir(parents=True, exist_ok=True)
    key = _prepare(url, folder)
    with (
        _gunicorn("feedback_app:create_app()", url, folder, []) as base,
        _worker(url, folder, settle_interactions, backlog) as settle,
    ):
        sessions = []
        for _ in range(CONNECTIONS):
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {key}"
            sessions.append(session)

        def post(session: requests.Session, index: int) -> requests.Response:
            return session.post(f"{base}/api/v1/interactions", json=_payload(index), timeout=120)

        yield Side(post, sessions, settle, ok=202)


@contextmanager
def baseline(url: str, folder: Path) -> Iterator[Side]:
    folder.mkdir(parents=True, exist_ok=True)
    _prepare(url, folder)
    extra = ["--pythonpath", str(ROOT / "benchmarks")]
    with _gunicorn("baseline_app:create()", url, folder, extra) as base:

        def post(session: requests.Session, index: int) -> requests.Response:
            return session.post(f"{base}/interactions", json=_payload(index), timeout=120)

        yield Side(post, [requests.Session() for _ in range(CONNECTIONS)], ok=202)


def run(posts: int = POSTS, dialect: str | None = None) -> dict[str, Any]:
    """Both sides measured in turns (see ``submit.run``); the throughput ratio and our p99."""
    dialect = dialect or ("postgresql" if postgres_configured() else "sqlite")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with (
            fresh_database(dialect, folder, "ingest_baseline") as baseline_url,
            fresh_database(dialect, folder, "ingest") as ingest_url,
            baseline(baseline_url, folder / "baseline") as minimal,
            ours(ingest_url, folder / "ingest") as api,
        ):
            take_turns(minimal, api, posts)
            mine, theirs = api.figures(), minimal.figures()
    return {
        "database": dialect,
        "posts": api.answers,
        "connections": CONNECTIONS,
        "ingest_per_second": round(mine["per_second"], 1),
        "ingest_p99_ms": round(mine["p99_ms"], 1),
        "baseline_per_second": round(theirs["per_second"], 1),
        "baseline_p99_ms": round(theirs["p99_ms"], 1),
        "ingest_ratio": round(mine["per_second"] / theirs["per_second"], 3),
    }


def table(figures: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"Interaction ingest: {figures['posts']:,} posts over "
            f"{figures['connections']} connections (gunicorn, {figures['database']})",
            f"{'endpoint':<26} {'posts/s':>10} {'p99 ms':>8}",
            f"{'POST /api/v1/interactions':<26} {figures['ingest_per_second']:>10,.1f}"
            f" {figures['ingest_p99_ms']:>8.1f}",
            f"{'bare insert':<26} {figures['baseline_per_second']:>10,.1f}"
            f" {figures['baseline_p99_ms']:>8.1f}",
            f"{'ratio (target >= 0.5)':<26} {figures['ingest_ratio']:>10.3f}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=POSTS)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default=None)
    args = parser.parse_args()
    print(table(run(args.posts, args.database)))


if __name__ == "__main__":
    main()
