"""Runs every benchmark and prints one table of figures, each a ratio measured in one run.

``--quick`` shrinks every data set (a smoke run of the machinery, not a measurement);
``--json PATH`` also writes the headline figures. PostgreSQL is measured when
``FEEDBACK_BENCH_POSTGRES_URL`` or ``FEEDBACK_TEST_POSTGRES_URL`` names a server.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path
from typing import Any

import dashboard
import send
import submit
import sweep

FULL = {"answers": 3200, "invitations": 10_000, "responses": 1_000_000, "sweep": 1_000_000}
QUICK = {"answers": 160, "invitations": 200, "responses": 5_000, "sweep": 5_000}


def measure(sizes: dict[str, int]) -> dict[str, Any]:
    """Every benchmark's figures, by benchmark."""
    return {
        "submit": submit.run(sizes["answers"]),
        "send": send.run(sizes["invitations"]),
        "dashboard": dashboard.run(sizes["responses"], import_rows=min(sizes["responses"], 50_000)),
        "sweep": sweep.run(sizes["sweep"]),
    }


def dashboard_ms(figures: dict[str, float] | None) -> float | None:
    """The slowest of the dashboard's queries (by week, channel, agent), in ms."""
    if figures is None:
        return None
    slowest = max(figures[f"{name}_seconds"] for name in ("by_week", "by_channel", "by_agent"))
    return round(slowest * 1000, 1)


def headline(results: dict[str, Any]) -> dict[str, Any]:
    return {
        "submit_ratio": results["submit"]["submit_ratio"],
        "submit_p99_ms": results["submit"]["submit_p99_ms"],
        "dispatch_ratio": results["send"]["dispatch_ratio"],
        "dashboard_ms_sqlite": dashboard_ms(results["dashboard"].get("sqlite")),
        "dashboard_ms_postgres": dashboard_ms(results["dashboard"].get("postgresql")),
        "sweep_ms": results["sweep"]["sweep_ms"],
    }


def summary(figures: dict[str, Any]) -> str:
    rows = [
        ("answer submission / minimal insert", "submit_ratio", ">= 0.5"),
        ("answer submission p99 (ms)", "submit_p99_ms", ""),
        ("email dispatch / bare smtplib", "dispatch_ratio", ">= 0.5"),
        ("slowest dashboard query, SQLite (ms)", "dashboard_ms_sqlite", "< 100"),
        ("slowest dashboard query, PostgreSQL (ms)", "dashboard_ms_postgres", "< 100"),
        ("due-invitation sweep (ms)", "sweep_ms", "< 50"),
    ]
    lines = [f"{'figure':<42} {'value':>10} {'target':>8}"]
    for label, key, target in rows:
        value = figures[key]
        shown = "n/a" if value is None else f"{value:,}"
        lines.append(f"{label:<42} {shown:>10} {target:>8}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny data sets, for a smoke run")
    parser.add_argument("--json", type=Path, help="write the headline figures to this file")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    results = measure(sizes)
    print(submit.table(results["submit"]), end="\n\n")
    print(send.table(results["send"]), end="\n\n")
    print(dashboard.table(results["dashboard"], sizes["responses"]), end="\n\n")
    print(sweep.table(results["sweep"]), end="\n\n")
    figures = headline(results)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"Summary ({machine})")
    print(summary(figures))
    if args.json:
        args.json.write_text(json.dumps({**figures, "details": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
