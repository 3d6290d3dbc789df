"""The responses CSV export at a million rows: memory stays flat while the rows grow ten-fold.

Loads RESPONSES responses over 2025 (``dashboard.seed``) into a fresh SQLite file, and into a
fresh PostgreSQL database when ``FEEDBACK_BENCH_POSTGRES_URL`` (or
``FEEDBACK_TEST_POSTGRES_URL``) is set. A manager signs in through the login form, then
downloads ``/dashboard/export/responses.csv`` through the app (the Flask test client, the
body read chunk by chunk as a browser would) for the first 37 days of the year (about a
tenth of the rows) and for the whole year. For each download it reports the peak of the
memory Python allocates meanwhile (tracemalloc) and, from a second, untraced download
(tracing slows Python down), rows per second. A streamed export shows a whole-year/tenth
memory ratio near 1; a buffered one would show about 10.

Run: ``.venv/bin/python benchmarks/export.py [--responses N]``. ``run()`` returns the
figures as a dict for other tools.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

from dashboard import RESPONSES, YEAR, config, seed
from flask.testing import FlaskClient
from flask_migrate import upgrade
from scratch_databases import fresh_database, postgres_configured
from werkzeug.security import generate_password_hash

from feedback_app import create_app
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Role, User
from feedback_app.services.metrics import Period

PASSWORD = "benchmark-password"
#: About a tenth of a year: the small export.
TENTH = Period(YEAR.since, date(2025, 2, 6))


def _signed_in(client: FlaskClient) -> None:
    """Add a manager and sign in through the login form."""
    db.session.add(
        User(
            email="manager@example.com",
            name="Manager",
            role=Role.MANAGER,
            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1"),
            created_at=utcnow(),
        )
    )
    db.session.commit()
    page = client.post("/login", data={"email": "manager@example.com", "password": PASSWORD})
    if page.status_code != 302:
        raise RuntimeError(f"login failed: {page.status_code}")


def _download(client: FlaskClient, period: Period) -> int:
    """Stream the export of ``period`` to the end, chunk by chunk; the data rows it held."""
    response = client.get(
        f"/dashboard/export/responses.csv?since={period.since}&until={period.until}",
        buffered=False,
    )
    if response.status_code != 200 or not response.is_streamed:
        raise RuntimeError(f"export failed: {response.status_code}")
    lines = 0
    try:
        for chunk in response.response:
            lines += chunk.count(b"\n")
    finally:
        response.close()
    return lines - 1


def _peak_bytes(client: FlaskClient, period: Period) -> tuple[int, int]:
    """The rows exported and the peak of the memory allocated while streaming them."""
    tracemalloc.start()
    try:
        rows = _download(client, period)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows, peak


def _rows_per_second(client: FlaskClient, period: Period) -> float:
    started = time.perf_counter()
    rows = _download(client, period)
    return rows / (time.perf_counter() - started)


def measure(dialect: str, responses: int) -> dict[str, float]:
    """Every figure for one database."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database(dialect, Path(tmp), "export") as url:
        settings = config(url) | {"WTF_CSRF_ENABLED": False}
        app = create_app(settings, instance_path=str(Path(tmp) / "instance"))
        with app.app_context():
            upgrade()
            figures = seed(responses, rollups=False)
            client = app.test_client()
            _signed_in(client)
            for name, period in (("tenth", TENTH), ("year", YEAR)):
                rows, peak = _peak_bytes(client, period)
                figures[f"{name}_rows"] = rows
                figures[f"{name}_peak_bytes"] = peak
                figures[f"{name}_rows_per_second"] = _rows_per_second(client, period)
            figures["memory_ratio"] = figures["year_peak_bytes"] / figures["tenth_peak_bytes"]
            db.session.remove()
            db.engine.dispose()
    return figures


def run(responses: int = RESPONSES) -> dict[str, dict[str, float]]:
    """Figures per database: ``sqlite`` always, ``postgresql`` when a server is configured."""
    dialects = ["sqlite"]
    if postgres_configured():
        dialects.append("postgresql")
    return {dialect: measure(dialect, responses) for dialect in dialects}


def table(results: dict[str, dict[str, float]]) -> str:
    """Each download's rows, peak memory and speed, and the memory ratio between the two."""
    lines = [
        "Responses CSV export, streamed through the app (peak = tracemalloc during the download)",
        f"{'database':<11} {'range':<6} {'rows':>10} {'peak MiB':>9} {'rows/s':>9}"
        f" {'memory ratio':>13}",
    ]
    for dialect, figures in results.items():
        for name in ("tenth", "year"):
            ratio = f"{figures['memory_ratio']:>13.2f}" if name == "year" else ""
            lines.append(
                f"{dialect:<11} {name:<6} {figures[f'{name}_rows']:>10,.0f}"
                f" {figures[f'{name}_peak_bytes'] / 2**20:>9.2f}"
                f" {figures[f'{name}_rows_per_second']:>9,.0f} {ratio}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=RESPONSES)
    args = parser.parse_args(argv)
    print(table(run(args.responses)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
