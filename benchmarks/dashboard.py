"""Dashboard queries at a million responses and a million interactions, against a plain
aggregate measured in the same run.

Loads RESPONSES responses and INTERACTIONS interactions spread over a year (all three kinds,
five channels, six topics, teams, agents, customers with a ``plan`` property declared as a
segment and a ``region`` property that is not, a tenth of the contacts anonymous) into a
fresh SQLite file, and into a fresh PostgreSQL database when ``FEEDBACK_BENCH_POSTGRES_URL``
(or ``FEEDBACK_TEST_POSTGRES_URL``) is set. It then times, for a one-year range, each
dashboard query: scores by week, channel, agent and plan from the score rollups, by region
from the responses; support figures overall and by channel, team, agent, topic and plan from
the support rollups; and the whole dashboard page. Score queries are set against the same
question as a plain ``GROUP BY`` over the responses. Each figure and breakdown should take
under 100 ms, the page under 300 ms. It also reports how fast the rollups are rebuilt and
how many rows per second ``feedback import-responses`` takes in.

Run: ``.venv/bin/python benchmarks/dashboard.py [--responses N] [--interactions N]``.
``run()`` returns the figures as a dict for other tools.
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
from flask_login import login_user
from flask_migrate import upgrade
from scratch_databases import fresh_database, postgres_configured

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Response, Role, Survey, Team, User
from feedback_app.services.metrics import GroupBy, Interval, Period, score_report
from feedback_app.services.rollups import day_of, rebuild_rollups
from feedback_app.services.support.figures import SupportGroupBy, support_report
from feedback_app.services.support.rollups import rebuild_support_rollups
from feedback_app.services.surveys import create_survey
from surveys import KIND_SPECS, SurveyKind, classify
from surveys.channels import FORMER

RESPONSES = 1_000_000
INTERACTIONS = 1_000_000
IMPORT_ROWS = 50_000
TEAMS, AGENTS_PER_TEAM = 8, 8
CUSTOMERS = 20_000
PLANS = ("free", "team", "business", "enterprise")
REGIONS = ("emea", "amer", "apac")
TOPICS = ("Billing", "Technical support", "Account access", "Shipping", "Returns", "Other")
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = Period(START.date(), date(2025, 12, 31))
REPEATS = 5
#: What each dashboard query should take at a million responses and interactions.
TARGET_SECONDS = 0.1
#: What the whole dashboard page should take.
PAGE_TARGET_SECONDS = 0.3
SCORE_QUERIES = ("by_week", "by_channel", "by_agent", "by_plan")
SUPPORT_QUERIES = (
    "support_overall",
    "support_by_channel",
    "support_by_team",
    "support_by_agent",
    "support_by_topic",
    "support_by_plan",
)


def config(url: str) -> dict[str, Any]:
    """Settings for a benchmark app on the database at ``url``."""
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "benchmark-secret-key",
        "DATABASE_URL": url,
        "SEGMENTS": ["plan"],
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
    channels = list(FORMER.values())
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


INTERACTION_COLUMNS = (
    "external_id",
    "customer_id",
    "channel",
    "topic",
    "answered",
    "agent_id",
    "team_id",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "talk_seconds",
    "hold_seconds",
    "after_work_seconds",
    "handle_seconds",
    "first_contact_resolved",
    "created_at",
    "updated_at",
    "unsettled",
)


def _interaction_rows(
    agents: list[tuple[int, int]], customers: list[int], count: int
) -> list[tuple[Any, ...]]:
    """``count`` interactions as tuples: first responses in minutes and resolutions in hours
    (log-normal, as helpdesk times are), a tenth anonymous, 8% of live contacts abandoned."""
    rng = random.Random(11)
    channels = list(FORMER.values())
    seconds = int(timedelta(days=365).total_seconds())
    rows = []
    for number in range(count):
        channel = rng.choice(channels)
        live = channel in ("Chat", "Phone")
        answered = not (live and rng.random() < 0.08)
        agent_id, team_id = rng.choice(agents) if answered else (None, None)
        opened = (START + timedelta(seconds=rng.randrange(seconds))).replace(tzinfo=None)
        first = opened + timedelta(seconds=rng.lognormvariate(6.4, 1.2)) if answered else None
        resolved = opened + timedelta(seconds=rng.lognormvariate(9.6, 1.5)) if answered else None
        talk = int(rng.uniform(120, 1500)) if live and answered else None
        rows.append(
            (
                f"B-{number}",
                None if rng.random() < 0.1 else rng.choice(customers),
                channel,
                rng.choice(TOPICS),
                answered,
                agent_id,
                team_id,
                opened,
                first,
                resolved,
                talk,
                int(rng.expovariate(1 / 60)) if talk else None,
                int(rng.uniform(30, 240)) if talk else None,
                None if talk or not answered else int(rng.uniform(240, 2400)),
                rng.choice((True, False, None, None, None)) if answered else None,
                opened,
                opened,
                True,
            )
        )
    return rows


def _bulk_insert(
    rows: list[tuple[Any, ...]], table: str = "responses", columns: tuple[str, ...] = COLUMNS
) -> None:
    """Insert straight through the driver: executemany on SQLite, COPY on PostgreSQL."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "sqlite":
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [
                    tuple(
                        f"{value:%Y-%m-%d %H:%M:%S.%f}" if isinstance(value, datetime) else value
                        for value in row
                    )
                    for row in rows
                ],
            )
        else:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def seed(count: int, *, rollups: bool = True, interactions: int = 0) -> dict[str, float]:
    """Load ``count`` responses and ``interactions`` interactions over 2025 into the app's
    database, then (with ``rollups``) rebuild the score and support rollups; update the
    planner's statistics. Returns the seconds taken."""
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
                "properties": {
                    "plan": PLANS[n % len(PLANS)],
                    "region": REGIONS[n % len(REGIONS)],
                },
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
    if interactions:
        _bulk_insert(
            _interaction_rows(agents, customers, interactions),
            "interactions",
            INTERACTION_COLUMNS,
        )
    loaded = time.perf_counter() - started
    figures = {"load_seconds": loaded}
    if rollups:
        started = time.perf_counter()
        rebuild_rollups()
        db.session.commit()
        figures["rollup_rebuild_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        rebuild_support_rollups()
        db.session.commit()
        figures["support_rebuild_seconds"] = time.perf_counter() - started
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
                    rng.choice(["Email", "Chat", "Phone"]),
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


def _support(group_by: SupportGroupBy | None) -> Callable[[], object]:
    return lambda: support_report(YEAR.since, YEAR.until, group_by=group_by, property_name="plan")


def _page(app: Flask) -> Callable[[], object]:
    """The whole dashboard page for the year, broken down by agent, as a manager sees it."""
    manager = User(
        email="manager@bench.example",
        name="Manager",
        role=Role.MANAGER,
        password_hash="!",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    db.session.add(manager)
    db.session.commit()
    manager_id = manager.id
    url = f"/dashboard?since={YEAR.since}&until={YEAR.until}&group_by=agent&support_by=agent"

    def page() -> object:
        with app.test_request_context(url):
            login_user(db.session.get(User, manager_id))
            response = app.full_dispatch_request()
            if response.status_code != 200:
                raise RuntimeError(f"the dashboard answered {response.status_code}")
            return response

    return page


def measure(dialect: str, responses: int, import_rows: int, interactions: int) -> dict[str, float]:
    """Every figure for one database."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database(dialect, Path(tmp)) as url:
        folder = Path(tmp)
        app = create_app(config(url), instance_path=str(folder / "instance"))
        with app.app_context():
            upgrade()
            figures = seed(responses, interactions=interactions)
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
                "by_plan": (
                    lambda: score_report(
                        SurveyKind.NPS, YEAR, group_by=GroupBy.PROPERTY, property_name="plan"
                    ),
                    _plain_aggregate(Customer.properties["plan"].as_string(), customers=True),
                ),
                "by_region": (
                    lambda: score_report(
                        SurveyKind.NPS, YEAR, group_by=GroupBy.PROPERTY, property_name="region"
                    ),
                    _plain_aggregate(Customer.properties["region"].as_string(), customers=True),
                ),
            }
            for name, (dashboard, baseline) in queries.items():
                figures[f"{name}_seconds"] = _median_seconds(dashboard)
                figures[f"{name}_baseline_seconds"] = _median_seconds(baseline)
            support = {
                "support_overall": _support(None),
                "support_by_channel": _support(SupportGroupBy.CHANNEL),
                "support_by_team": _support(SupportGroupBy.TEAM),
                "support_by_agent": _support(SupportGroupBy.AGENT),
                "support_by_topic": _support(SupportGroupBy.TOPIC),
                "support_by_plan": _support(SupportGroupBy.PROPERTY),
            }
            for name, work in support.items():
                figures[f"{name}_seconds"] = _median_seconds(work)
            figures["page_seconds"] = _median_seconds(_page(app))
            figures["import_rows_per_second"] = _import_speed(app, folder, import_rows)
            db.session.remove()
            db.engine.dispose()
    return figures


def run(
    responses: int = RESPONSES,
    import_rows: int = IMPORT_ROWS,
    interactions: int = INTERACTIONS,
) -> dict[str, dict[str, float]]:
    """Figures per database: ``sqlite`` always, ``postgresql`` when a server is configured."""
    dialects = ["sqlite"]
    if postgres_configured():
        dialects.append("postgresql")
    return {dialect: measure(dialect, responses, import_rows, interactions) for dialect in dialects}


def _verdict(seconds: float, target: float = TARGET_SECONDS) -> str:
    return "yes" if seconds < target else "NO"


def table(results: dict[str, dict[str, float]], responses: int, interactions: int) -> str:
    """The figures as plain-text tables: each score query, its baseline, their ratio, and
    whether it meets the target (by_region reads the responses: ``region`` is not a declared
    segment); each support query and the page against theirs."""
    target = f"< {round(TARGET_SECONDS * 1000)} ms"
    lines = [
        f"Dashboard queries over one year of {responses:,} responses and {interactions:,}"
        f" interactions (median of {REPEATS})",
        f"{'database':<11} {'query':<20} {'dashboard ms':>12} {'plain GROUP BY ms':>18}"
        f" {'ratio':>7}  {target:<8}",
    ]
    for dialect, figures in results.items():
        for name in (*SCORE_QUERIES, "by_region"):
            ours, base = figures[f"{name}_seconds"], figures[f"{name}_baseline_seconds"]
            lines.append(
                f"{dialect:<11} {name:<20} {ours * 1000:>12.1f} {base * 1000:>18.1f}"
                f" {ours / base:>7.3f}  {_verdict(ours) if name != 'by_region' else '(rows)':<8}"
            )
        for name in SUPPORT_QUERIES:
            ours = figures[f"{name}_seconds"]
            lines.append(
                f"{dialect:<11} {name:<20} {ours * 1000:>12.1f} {'':>18} {'':>7}  "
                f"{_verdict(ours):<8}"
            )
        page = figures["page_seconds"]
        lines.append(
            f"{dialect:<11} {'whole page':<20} {page * 1000:>12.1f} {'':>18} {'':>7}  "
            f"{_verdict(page, PAGE_TARGET_SECONDS)} (< {round(PAGE_TARGET_SECONDS * 1000)} ms)"
        )
    lines.append("")
    lines.append(
        f"{'database':<11} {'load s':>8} {'rollup rebuild s':>17} {'support rebuild s':>18}"
        f" {'import rows/s':>14}"
    )
    for dialect, figures in results.items():
        lines.append(
            f"{dialect:<11} {figures['load_seconds']:>8.1f}"
            f" {figures['rollup_rebuild_seconds']:>17.1f}"
            f" {figures['support_rebuild_seconds']:>18.1f}"
            f" {figures['import_rows_per_second']:>14,.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=RESPONSES)
    parser.add_argument("--interactions", type=int, default=INTERACTIONS)
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS)
    args = parser.parse_args(argv)
    results = run(args.responses, args.import_rows, args.interactions)
    print(table(results, args.responses, args.interactions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
