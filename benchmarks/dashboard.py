"""Dashboard queries at a million responses, against a plain aggregate measured in the same run.

Loads RESPONSES responses spread over a year (all three kinds, five channels, teams, agents
and customers with a ``plan`` property) into a fresh SQLite file, and into a fresh PostgreSQL
database when ``FEEDBACK_BENCH_POSTGRES_URL`` (or ``FEEDBACK_TEST_POSTGRES_URL``) is set. It
then times, for a one-year range, each dashboard query (by week, by channel, by agent from
the score rollups; by customer property from the responses, which no rollup can anticipate)
and the same question as a plain ``GROUP BY`` over the responses, and prints their ratio and
whether each meets the 100 ms target. It also reports how fast the rollups are rebuilt and
how many rows per second ``feedback import-responses`` takes in.

Run: ``.venv/bin/python benchmarks/dashboard.py [--responses N]``. ``run()`` returns the
figures as a dict for other tools.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from scratch_databases import fresh_database, postgres_configured

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Response, Survey, Team
from feedback_app.services.metrics import GroupBy, Interval, Period, score_report
from feedback_app.services.rollups import day_of, rebuild_rollups
from feedback_app.services.surveys import create_survey
from surveys import KIND_SPECS, SurveyKind, classify
from surveys.channels import Channel

RESPONSES = 1_000_000
IMPORT_ROWS = 50_000
TEAMS, AGENTS_PER_TEAM = 8, 8
CUSTOMERS = 20_000
PLANS = ("free", "team", "business", "enterprise")
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = Period(START.date(), date(2025, 12, 31))
REPEATS = 5
#: What each dashboard query should take at a million responses.
TARGET_SECONDS = 0.1


def config(url: str) -> dict[str, Any]:
    """Settings for a benchmark app on the database at ``url``."""
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "benchmark-secret-key",
        "DATABASE_URL": url,
        "CLOCK": lambda: datetime(2026, 1, 15, tzinfo=UTC),
    }


def _seed_rows(
    surveys: dict[SurveyKind, int],
    agents: list[tuple[int, int]],
    customers: list[int],
    count: int,
) -> list[tuple[Any, ...]]:
    """``count`` response rows as tuples; scores lean positive as real feedback does."""
    rng = random.Random(5)
    kinds = list(surveys)
    channels = [c.value for c in Channel]
    buckets = {
        (kind, score): classify(kind, score).value
        for kind in SurveyKind
        for score in KIND_SPECS[kind].points
    }
    seconds = int(timedelta(days=365).total_seconds())
    rows = []
    for _ in range(count):
        kind = rng.choice(kinds)
        spec = KIND_SPECS[kind]
        score = min(
            spec.high, max(spec.low, round(rng.triangular(spec.low, spec.high + 1, spec.high)))
        )
        agent_id, team_id = rng.choice(agents)
        at = (START + timedelta(seconds=rng.randrange(seconds))).replace(tzinfo=None)
        rows.append(
            (
                surveys[kind],
                kind.value,
                score,
                buckets[(kind, score)],
                "",
                rng.choice(channels),
                agent_id,
                team_id,
                "import",
                at,
                at,
                rng.choice(customers),
            )
        )
    return rows


COLUMNS = (
    "survey_id",
    "kind",
    "score",
    "bucket",
    "comment",
    "channel",
    "agent_id",
    "team_id",
    "source",
    "created_at",
    "updated_at",
    "customer_id",
)


def _bulk_insert(rows: list[tuple[Any, ...]]) -> None:
    """Insert straight through the driver: executemany on SQLite, COPY on PostgreSQL."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "sqlite":
            marks = ", ".join("?" for _ in COLUMNS)
            cursor.executemany(
                f"INSERT INTO responses ({', '.join(COLUMNS)}) VALUES ({marks})",
                [
                    (
                        *row[:9],
                        f"{row[9]:%Y-%m-%d %H:%M:%S.%f}",
                        f"{row[10]:%Y-%m-%d %H:%M:%S.%f}",
                        row[11],
                    )
                    for row in rows
                ],
            )
        else:
            with cursor.copy(f"COPY responses ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def seed(count: int, *, rollups: bool = True) -> dict[str, float]:
    """Load ``count`` responses over 2025 into the app's database, then (with ``rollups``)
    rebuild the score rollups; update the planner's statistics. Returns the seconds taken."""
    now = datetime(2026, 1, 15, tzinfo=UTC)
    surveys = {kind: create_survey(kind, now).id for kind in SurveyKind}
    agents = []
    for t in range(TEAMS):
        team = Team(name=f"Team {t + 1}")
        db.session.add(team)
        db.session.flush()
        for a in range(AGENTS_PER_TEAM):
            agent = Agent(email=f"agent{t}-{a}@example.com", name=f"Agent {t}-{a}", team_id=team.id)
            db.session.add(agent)
            db.session.flush()
            agents.append((agent.id, team.id))
    db.session.execute(
        sa.insert(Customer),
        [
            {
                "email": f"customer{n}@example.com",
                "properties": {"plan": PLANS[n % len(PLANS)]},
                "created_at": now,
                "updated_at": now,
            }
            for n in range(CUSTOMERS)
        ],
    )
    db.session.commit()
    customers = list(db.session.scalars(sa.select(Customer.id)))
    started = time.perf_counter()
    _bulk_insert(_seed_rows(surveys, agents, customers, count))
    loaded = time.perf_counter() - started
    figures = {"load_seconds": loaded}
    if rollups:
        started = time.perf_counter()
        rebuild_rollups()
        db.session.commit()
        figures["rollup_rebuild_seconds"] = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return figures


def _median_seconds(work: Callable[[], object]) -> float:
    work()
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
        db.session.rollback()
    return statistics.median(timings)


def _plain_aggregate(by: Any, *, customers: bool = False) -> Callable[[], object]:
    """The same question asked of the raw responses: counts per group and score (joined to
    the customers for a customer property)."""
    survey_ids = sa.select(Survey.id).where(Survey.kind == SurveyKind.NPS).scalar_subquery()
    query = sa.select(by, Response.score, sa.func.count()).select_from(Response)
    if customers:
        query = query.outerjoin(Customer, Customer.id == Response.customer_id)
    query = query.where(
        Response.survey_id.in_(survey_ids),
        Response.created_at >= YEAR.start,
        Response.created_at < YEAR.end,
    ).group_by(by, Response.score)
    return lambda: db.session.execute(query).all()


def _import_speed(app: Flask, folder: Path, rows: int) -> float:
    path = folder / "import.csv"
    rng = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "rating", "date", "channel", "agent", "team", "email", "comment"])
        for n in range(rows):
            writer.writerow(
                [
                    f"H{n}",
                    rng.randint(1, 5),
                    f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
                    rng.choice(["email", "chat", "phone"]),
                    f"agent{rng.randrange(TEAMS)}-{rng.randrange(AGENTS_PER_TEAM)}@example.com",
                    f"Team {rng.randrange(TEAMS) + 1}",
                    f"customer{rng.randrange(5000)}@example.com",
                    "NA",
                ]
            )
    mapping = (
        "source_id=id,score=rating,submitted_at=date,channel=channel,agent=agent,team=team,"
        "email=email,comment=comment"
    )
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(
        args=["import-responses", str(path), "--kind", "csat", "--map", mapping]
    )
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise RuntimeError(f"import failed: {result.output}")
    return rows / elapsed


def measure(dialect: str, responses: int, import_rows: int) -> dict[str, float]:
    """Every figure for one database."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database(dialect, Path(tmp)) as url:
        folder = Path(tmp)
        app = create_app(config(url), instance_path=str(folder / "instance"))
        with app.app_context():
            upgrade()
            figures = seed(responses)
            queries = {
                "by_week": (
                    lambda: score_report(SurveyKind.NPS, YEAR, interval=Interval.WEEK),
                    _plain_aggregate(day_of(Response.created_at)),
                ),
                "by_channel": (
                    lambda: score_report(SurveyKind.NPS, YEAR, group_by=GroupBy.CHANNEL),
                    _plain_aggregate(Response.channel),
                ),
                "by_agent": (
                    lambda: score_report(SurveyKind.NPS, YEAR, group_by=GroupBy.AGENT),
                    _plain_aggregate(Response.agent_id),
                ),
                "by_property": (
                    lambda: score_report(
                        SurveyKind.NPS, YEAR, group_by=GroupBy.PROPERTY, property_name="plan"
                    ),
                    _plain_aggregate(Customer.properties["plan"].as_string(), customers=True),
                ),
            }
            for name, (dashboard, baseline) in queries.items():
                figures[f"{name}_seconds"] = _median_seconds(dashboard)
                figures[f"{name}_baseline_seconds"] = _median_seconds(baseline)
            figures["import_rows_per_second"] = _import_speed(app, folder, import_rows)
            db.session.remove()
            db.engine.dispose()
    return figures


def run(responses: int = RESPONSES, import_rows: int = IMPORT_ROWS) -> dict[str, dict[str, float]]:
    """Figures per database: ``sqlite`` always, ``postgresql`` when a server is configured."""
    dialects = ["sqlite"]
    if postgres_configured():
        dialects.append("postgresql")
    return {dialect: measure(dialect, responses, import_rows) for dialect in dialects}


def table(results: dict[str, dict[str, float]], responses: int) -> str:
    """The figures as a plain-text table: each query, its baseline, their ratio, and whether
    it meets the target (by_property reads the responses, not the rollups)."""
    lines = [
        f"Dashboard queries over one year of {responses:,} responses (median of {REPEATS})",
        f"{'database':<11} {'query':<12} {'dashboard ms':>12} {'plain GROUP BY ms':>18}"
        f" {'ratio':>7}  {'< ' + str(round(TARGET_SECONDS * 1000)) + ' ms':<7}",
    ]
    for dialect, figures in results.items():
        for name in ("by_week", "by_channel", "by_agent", "by_property"):
            ours, base = figures[f"{name}_seconds"], figures[f"{name}_baseline_seconds"]
            lines.append(
                f"{dialect:<11} {name:<12} {ours * 1000:>12.1f} {base * 1000:>18.1f}"
                f" {ours / base:>7.3f}  {'yes' if ours < TARGET_SECONDS else 'NO':<7}"
            )
    lines.append("")
    lines.append(f"{'database':<11} {'load s':>8} {'rollup rebuild s':>17} {'import rows/s':>14}")
    for dialect, figures in results.items():
        lines.append(
            f"{dialect:<11} {figures['load_seconds']:>8.1f}"
            f" {figures['rollup_rebuild_seconds']:>17.1f}"
            f" {figures['import_rows_per_second']:>14,.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=RESPONSES)
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS)
    args = parser.parse_args(argv)
    print(table(run(args.responses, args.import_rows), args.responses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
