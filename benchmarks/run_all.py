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
import ingest
import send
import submit
import sweep
import themes

FULL = {
    "answers": 3200,
    "posts": 3200,
    "invitations": 10_000,
    "responses": 1_000_000,
    "interactions": 1_000_000,
    "sweep": 1_000_000,
    "comments": 100_000,
}
QUICK = {
    "answers": 160,
    "posts": 160,
    "invitations": 200,
    "responses": 5_000,
    "interactions": 5_000,
    "sweep": 5_000,
    "comments": 2_000,
}


def measure(sizes: dict[str, int]) -> dict[str, Any]:
    """Every benchmark's figures, by benchmark."""
    return {
        "submit": submit.run(sizes["answers"]),
        "ingest": ingest.run(sizes["posts"]),
        "send": send.run(sizes["invitations"]),
        "dashboard": dashboard.run(
            sizes["responses"],
            import_rows=min(sizes["responses"], 50_000),
            interactions=sizes["interactions"],
        ),
        "sweep": sweep.run(sizes["sweep"]),
        "themes": themes.run(sizes["comments"]),
    }


def slowest_ms(figures: dict[str, float] | None, names: tuple[str, ...]) -> float | None:
    """The slowest of the named dashboard queries, in ms."""
    if figures is None:
        return None
    return round(max(figures[f"{name}_seconds"] for name in names) * 1000, 1)


def headline(results: dict[str, Any]) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "submit_ratio": results["submit"]["submit_ratio"],
        "submit_p99_ms": results["submit"]["submit_p99_ms"],
        "ingest_ratio": results["ingest"]["ingest_ratio"],
        "dispatch_ratio": results["send"]["dispatch_ratio"],
        "sweep_ms": results["sweep"]["sweep_ms"],
    }
    segments = ("by_plan", "support_by_plan")
    for dialect, suffix in (("sqlite", "sqlite"), ("postgresql", "postgres")):
        measured = results["dashboard"].get(dialect)
        figures[f"dashboard_ms_{suffix}"] = slowest_ms(measured, dashboard.SCORE_QUERIES)
        figures[f"support_ms_{suffix}"] = slowest_ms(measured, dashboard.SUPPORT_QUERIES)
        figures[f"segment_ms_{suffix}"] = slowest_ms(measured, segments)
    for dialect, suffix in (("sqlite", "sqlite"), ("postgresql", "postgres")):
        measured = results["themes"].get(dialect)
        figures[f"themes_s_{suffix}"] = round(measured["job_seconds"], 2) if measured else None
        figures[f"themes_answer_ms_{suffix}"] = (
            round(measured["answer_seconds"] * 1000, 1) if measured else None
        )
        figures[f"themes_ratio_{suffix}"] = round(measured["ratio"], 2) if measured else None
    figures["dashboard_page_ms"] = max(
        round(measured["page_seconds"] * 1000, 1) for measured in results["dashboard"].values()
    )
    return figures


def summary(figures: dict[str, Any]) -> str:
    rows = [
        ("answer submission / minimal insert", "submit_ratio", ">= 0.5"),
        ("answer submission p99 (ms)", "submit_p99_ms", ""),
        ("interaction ingest / bare insert", "ingest_ratio", ">= 0.5"),
        ("email dispatch / bare smtplib", "dispatch_ratio", ">= 0.5"),
        ("slowest dashboard query, SQLite (ms)", "dashboard_ms_sqlite", "< 100"),
        ("slowest dashboard query, PostgreSQL (ms)", "dashboard_ms_postgres", "< 100"),
        ("slowest support figure, SQLite (ms)", "support_ms_sqlite", "< 100"),
        ("slowest support figure, PostgreSQL (ms)", "support_ms_postgres", "< 100"),
        ("slowest segment breakdown, SQLite (ms)", "segment_ms_sqlite", "< 100"),
        ("slowest segment breakdown, PostgreSQL (ms)", "segment_ms_postgres", "< 100"),
        ("whole dashboard page, slower database (ms)", "dashboard_page_ms", "< 300"),
        ("due-invitation sweep (ms)", "sweep_ms", "< 50"),
        (
            "month of comment themes, answered from the kept ones, SQLite (ms)",
            "themes_answer_ms_sqlite",
            "< 2000",
        ),
        ("  the worker's job finding them, SQLite (s)", "themes_s_sqlite", ""),
        ("  / TfidfVectorizer baseline, SQLite", "themes_ratio_sqlite", ""),
        (
            "month of comment themes, answered from the kept ones, PostgreSQL (ms)",
            "themes_answer_ms_postgres",
            "< 2000",
        ),
        ("  the worker's job finding them, PostgreSQL (s)", "themes_s_postgres", ""),
        ("  / TfidfVectorizer baseline, PostgreSQL", "themes_ratio_postgres", ""),
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
    print(ingest.table(results["ingest"]), end="\n\n")
    print(send.table(results["send"]), end="\n\n")
    print(
        dashboard.table(results["dashboard"], sizes["responses"], sizes["interactions"]),
        end="\n\n",
    )
    print(sweep.table(results["sweep"]), end="\n\n")
    print(themes.table(results["themes"]), end="\n\n")
    figures = headline(results)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"Summary ({machine})")
    print(summary(figures))
    if args.json:
        args.json.write_text(json.dumps({**figures, "details": results}, indent=2, default=str))


if __name__ == "__main__":
    main()
