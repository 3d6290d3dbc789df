"""Comment themes for a month of 100,000 comments, against scikit-learn's own vectorizer
measured in the same run.

Loads COMMENTS NPS responses dated January 2025, each with a comment made from the French
garden-centre survey (``tests/data/garden_center_nps_comments.csv``: a real comment, and for
four in ten another comment's first sentence after it, so that most texts differ) and that
comment's own score, into a fresh SQLite file, and into a fresh PostgreSQL database when
``FEEDBACK_BENCH_POSTGRES_URL`` (or ``FEEDBACK_TEST_POSTGRES_URL``) is set. It then times
what the worker's ``compute-themes`` job does for that month (read the comments, find their
themes, keep them: themes and every mention) and what the page and ``GET /api/v1/themes``
then do to answer (``theme_report`` over the kept themes). The target, under 2 seconds, is
the answer's: the job runs in the worker, not on a page load. The baseline is
the plain library way to the same TF-IDF: ``TfidfVectorizer(ngram_range=(1, 3), min_df=2)``
fitted on the same texts, whose Python analyzer handles one comment at a time; the ratio is
our whole job's time over its.

Run: ``.venv/bin/python benchmarks/themes.py [--comments N]``. ``run()`` returns the
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

import sqlalchemy as sa
from dashboard import COLUMNS, _bulk_insert, config
from flask_migrate import upgrade
from scratch_databases import fresh_database, postgres_configured
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import ThemeMention, ThemeRun
from feedback_app.services.metrics import Period, ResponseFilter
from feedback_app.services.surveys import create_survey
from feedback_app.themes import service
from surveys import SurveyKind, classify

COMMENTS = 100_000
MONTH = Period(date(2025, 1, 1), date(2025, 1, 31))
SOURCE = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "garden_center_nps_comments.csv"
)
TARGET_SECONDS = 2.0
REPEATS = 3


def _texts(count: int) -> list[tuple[int, str]]:
    """``count`` (score, comment) pairs made from the real comments."""
    with SOURCE.open(encoding="utf-8", newline="") as file:
        rows = [(int(row["nps"]), row["explication"]) for row in csv.DictReader(file)]
    firsts = [text.split(".")[0] for _, text in rows]
    rng = random.Random(7)
    made = []
    for _ in range(count):
        score, text = rng.choice(rows)
        if rng.random() < 0.4:
            text = f"{text} {rng.choice(firsts)}."
        made.append((score, text))
    return made


def seed(count: int) -> list[str]:
    """Load ``count`` commented NPS responses over January 2025; returns their texts."""
    survey = create_survey(SurveyKind.NPS, datetime(2025, 1, 1, tzinfo=UTC)).id
    db.session.commit()
    rng = random.Random(3)
    seconds = int(timedelta(days=31).total_seconds())
    pairs = _texts(count)
    rows = []
    for score, text in pairs:
        at = (datetime(2025, 1, 1) + timedelta(seconds=rng.randrange(seconds))).replace(tzinfo=None)
        bucket = classify(SurveyKind.NPS, score).value
        rows.append(
            (survey, "nps", score, bucket, text, "email", None, None, "import", at, at, None)
        )
    _bulk_insert(rows, "responses", COLUMNS)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return [text for _, text in pairs]


def _median_seconds(work: Callable[[], object]) -> tuple[float, float]:
    """The median wall-clock and this process's CPU seconds of ``work``: on a shared machine
    the CPU time says what the work costs, the wall time what it took while sharing."""
    walls, cpus = [], []
    for _ in range(REPEATS):
        started, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def measure(dialect: str, comments: int) -> dict[str, float]:
    """The job's time, its parts, and the baseline's, for one database."""
    with tempfile.TemporaryDirectory() as tmp, fresh_database(dialect, Path(tmp), "themes") as url:
        app = create_app(config(url), instance_path=str(Path(tmp) / "instance"))
        with app.app_context():
            upgrade()
            texts = seed(comments)
            now = datetime(2026, 1, 15, tzinfo=UTC)
            where = ResponseFilter(MONTH, kind=SurveyKind.NPS)
            run = service.request_themes(where, now)

            def job() -> None:
                run.pending = True
                db.session.commit()
                assert service.compute(run, now)

            job_seconds, job_cpu = _median_seconds(job)
            read_seconds, _ = _median_seconds(
                lambda: db.session.execute(service.comments_query(where)).all()
            )
            answer_seconds, _ = _median_seconds(lambda: service.theme_report(where, now))
            vectorizer = TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True)
            baseline_seconds, baseline_cpu = _median_seconds(
                lambda: vectorizer.fit_transform(texts)
            )
            mentions = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeMention))
            kept = db.session.get(ThemeRun, run.id)
            assert kept is not None
            figures = {
                "comments": float(kept.comments),
                "mentions": float(mentions or 0),
                "job_seconds": job_seconds,
                "read_seconds": read_seconds,
                "answer_seconds": answer_seconds,
                "job_cpu_seconds": job_cpu,
                "baseline_seconds": baseline_seconds,
                "baseline_cpu_seconds": baseline_cpu,
                "ratio": job_seconds / baseline_seconds,
            }
            db.session.remove()
            db.engine.dispose()
    return figures


def run(comments: int = COMMENTS) -> dict[str, dict[str, float]]:
    """Figures per database: ``sqlite`` always, ``postgresql`` when a server is configured."""
    dialects = ["sqlite"]
    if postgres_configured():
        dialects.append("postgresql")
    return {dialect: measure(dialect, comments) for dialect in dialects}


def table(results: dict[str, dict[str, float]]) -> str:
    lines = [
        "Comment themes of one month (the compute-themes job: read, find, keep), median of "
        f"{REPEATS}; baseline = TfidfVectorizer(ngram_range=(1, 3)) on the same texts",
        f"{'database':<11} {'comments':>9} {'mentions':>9} {'read s':>7} {'job s':>7}"
        f" {'job CPU s':>10} {'baseline s':>11} {'its CPU s':>10} {'ratio':>6}"
        f" {'answer s':>9} {'target':>10}",
    ]
    for dialect, f in results.items():
        verdict = "ok" if f["answer_seconds"] < TARGET_SECONDS else "SLOW"
        lines.append(
            f"{dialect:<11} {f['comments']:>9,.0f} {f['mentions']:>9,.0f}"
            f" {f['read_seconds']:>7.2f} {f['job_seconds']:>7.2f} {f['job_cpu_seconds']:>10.2f}"
            f" {f['baseline_seconds']:>11.2f} {f['baseline_cpu_seconds']:>10.2f}"
            f" {f['ratio']:>6.2f} {f['answer_seconds']:>9.3f} {'< 2 s ' + verdict:>10}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=COMMENTS)
    args = parser.parse_args(argv)
    print(table(run(args.comments)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
