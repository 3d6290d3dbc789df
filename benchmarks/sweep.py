"""The due-invitation sweep at a million invitations, against a plain scan of the same table.

Every 30 s the worker's ``dispatch-invitations`` job asks which invitations are due. This
loads INVITATIONS invitations (most long sent, answered or expired, the rest scheduled for
the coming weeks, none due) and times that real job run, which finds nothing to send,
against a plain aggregate that reads every row. Target: under 50 ms.

Run: ``.venv/bin/python benchmarks/sweep.py [--invitations N]``. ``run()`` returns the figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_migrate import upgrade
from scratch_databases import fresh_database

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind
from surveys.invitations import InvitationStatus

INVITATIONS = 1_000_000
CUSTOMERS = 100_000
CHUNK = 50_000
REPEATS = 15
NOW = datetime(2026, 6, 1, tzinfo=UTC)
#: Share of each status among the invitations, as a year of running leaves them.
STATUS_MIX = {
    InvitationStatus.SENT: 35,
    InvitationStatus.OPENED: 5,
    InvitationStatus.RESPONDED: 30,
    InvitationStatus.EXPIRED: 20,
    InvitationStatus.SUPPRESSED: 7,
    InvitationStatus.SCHEDULED: 3,
}


def _load(count: int) -> None:
    """Bulk-insert customers and ``count`` invitations; none scheduled is due at NOW."""
    survey = survey_for_kind(SurveyKind.CSAT, NOW - timedelta(days=400))
    db.session.commit()
    stamp = NOW - timedelta(days=400)
    db.session.execute(
        sa.insert(Customer),
        [
            {"email": f"c{n}@sweep.example", "created_at": stamp, "updated_at": stamp}
            for n in range(CUSTOMERS)
        ],
    )
    first_customer = db.session.scalar(sa.select(sa.func.min(Customer.id)))
    rng = random.Random(11)
    statuses = list(STATUS_MIX)
    weights = list(STATUS_MIX.values())
    for start in range(0, count, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, count)):
            status = rng.choices(statuses, weights)[0]
            if status is InvitationStatus.SCHEDULED:
                when = NOW + timedelta(minutes=rng.randint(1, 60 * 24 * 30))
            else:
                when = NOW - timedelta(minutes=rng.randint(60, 60 * 24 * 365))
            rows.append(
                {
                    "survey_id": survey.id,
                    "customer_id": first_customer + n % CUSTOMERS,
                    "token_salt": f"{n:032x}",
                    "token_hash": f"{n:064x}",
                    "status": status,
                    "scheduled_for": when,
                    "expires_at": when + timedelta(days=30),
                    "created_at": when,
                }
            )
        db.session.execute(sa.insert(Invitation), rows)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def _median_ms(action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _plain_scan() -> int:
    """Reads every invitation: what a sweep without the right index would cost."""
    return db.session.scalar(sa.select(sa.func.max(Invitation.expires_at)))


def run(invitations: int = INVITATIONS, dialect: str = "sqlite") -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(dialect, Path(tmp)) as url:
        app = create_app(
            {"ENV": "testing", "SECRET_KEY": "benchmark", "DATABASE_URL": url},
            instance_path=str(Path(tmp) / "instance"),
        )
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            _load(invitations)
            loaded = time.perf_counter() - started
            if dispatch_due_invitations(NOW) != 0:
                raise RuntimeError("nothing should be due")
            sweep = _median_ms(lambda: dispatch_due_invitations(NOW))
            scan = _median_ms(_plain_scan)
            db.session.remove()
            db.engine.dispose()
    return {
        "database": dialect,
        "invitations": invitations,
        "load_seconds": round(loaded, 1),
        "sweep_ms": round(sweep, 2),
        "plain_scan_ms": round(scan, 1),
        "sweep_ratio": round(sweep / scan, 4),
    }


def table(figures: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"Due-invitation sweep over {figures['invitations']:,} invitations "
            f"({figures['database']}, median of {REPEATS})",
            f"{'query':<34} {'ms':>9}",
            f"{'dispatch-invitations, none due':<34} {figures['sweep_ms']:>9.2f}",
            f"{'plain scan of every invitation':<34} {figures['plain_scan_ms']:>9.1f}",
            f"{'ratio':<34} {figures['sweep_ratio']:>9.4f}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitations", type=int, default=INVITATIONS)
    args = parser.parse_args()
    print(table(run(args.invitations)))


if __name__ == "__main__":
    main()
