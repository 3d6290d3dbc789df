"""``feedback import-responses``: good, bad and duplicate rows, line numbers, real data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Response, Team
from feedback_app.services.metrics import Period, score_report
from feedback_app.services.rollups import rollup_differences
from feedback_app.services.surveys import create_survey
from surveys import SurveyKind

GARDEN = Path(__file__).resolve().parent.parent / "data" / "garden_center_nps_150.csv"
GARDEN_MAP = "score=nps,comment=explication,source_id=id"

HISTORY = (
    """\
ticket,rating,when,medium,agent,team,customer,note
A1,5,2026-01-05T10:00:00Z,Chat,Ann@Example.com,Billing,one@example.com,Quick and kind
A2,NA,2026-01-05,email,,,,
A3,11,2026-01-06,email,,,,
A4,4.5,2026-01-06,email,,,,
A5,3,31/02/2026,email,,,,
A6,4.0,01/07/2026 14:30,phone,bob@example.com,Tech,two@example.com,"Took a while,
but solved"
"""
    # A channel name too long to be a label.
    + f"A7,2,2026-01-08,{'fax' * 67},,,,\n"
    + """\
A1,1,2026-01-09,email,,,,duplicate of line 2
A8,1,2026-04-01,email,,,,
A9,2,2026-01-09 08:15,,,,ONE@example.com,=HYPERLINK("http://x")
A10,4,2026-01-10,email,not-an-email,,,
"""
)
HISTORY_MAP = (
    "score=rating,submitted_at=when,channel=medium,agent=agent,team=team,email=customer,"
    "comment=note,source_id=ticket"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "history.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_bad_and_duplicate_rows(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, HISTORY)
    result = runner.invoke(
        args=["import-responses", str(path), "--kind", "csat", "--map", HISTORY_MAP]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 3: the score is missing",
        "line 4: score '11': the score must be between 1 and 5",
        "line 5: score '4.5': the score must be a whole number",
        "line 6: submitted_at '31/02/2026' is not a date (expected e.g. 2024-03-31 or"
        " 2024-03-31T14:05:00Z)",
        "line 9: channel is longer than 200 characters",
        "line 11: submitted_at '2026-04-01' is in the future",
        "line 13: agent 'not-an-email' is not an email address",
    ]
    assert result.stdout == "imported 3; skipped 1 already imported (lines 10); rejected 7\n"

    rows = db.session.scalars(sa.select(Response).order_by(Response.source_id)).all()
    assert [
        (r.source_id, r.score, r.bucket.value, r.created_at, r.channel, r.comment, r.source)
        for r in rows
    ] == [
        (
            "A1",
            5,
            "satisfied",
            datetime(2026, 1, 5, 10, tzinfo=UTC),
            "Chat",
            "Quick and kind",
            "import",
        ),
        (
            "A6",
            4,
            "satisfied",
            datetime(2026, 1, 7, 14, 30, tzinfo=UTC),
            "Phone",
            "Took a while,\nbut solved",
            "import",
        ),
        (
            "A9",
            2,
            "unsatisfied",
            datetime(2026, 1, 9, 8, 15, tzinfo=UTC),
            None,
            '=HYPERLINK("http://x")',
            "import",
        ),
    ]
    first, sixth, ninth = rows
    assert first.customer.email == "one@example.com" and ninth.customer_id == first.customer_id
    assert first.agent.email == "ann@example.com" and first.agent.team.name == "Billing"
    assert (sixth.agent.email, sixth.team.name, sixth.customer.email) == (
        "bob@example.com",
        "Tech",
        "two@example.com",
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 2
    assert rollup_differences() == []

    again = runner.invoke(
        args=["import-responses", str(path), "--kind", "csat", "--map", HISTORY_MAP]
    )
    assert (
        again.stdout == "imported 0; skipped 4 already imported (lines 2, 7, 10, 12); rejected 7\n"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Agent)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) == 2


def test_a_real_nps_export_without_dates(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "import-responses",
            str(GARDEN),
            "--kind",
            "nps",
            "--map",
            GARDEN_MAP,
            "--date",
            "2014-06-01",
        ]
    )
    assert result.stderr.splitlines() == [
        "line 37: the score is missing",
        "line 71: the score is missing",
        "line 120: the score is missing",
    ]
    assert result.stdout == "imported 147; rejected 3\n"
    assert result.exit_code == 1
    report = score_report(
        SurveyKind.NPS, Period(datetime(2014, 6, 1).date(), datetime(2014, 6, 1).date())
    )
    nps = report.figures["nps"]
    assert (nps.n, nps.value) == (147, pytest.approx(100 * (93 - 17) / 147))
    comments = db.session.scalars(sa.select(Response.comment).where(Response.source_id == "2482"))
    assert comments.one() == (
        "Il y a très peu de caisse ouverte et le délai d'attente est particulièrement long!!!!"
    )
    assert db.session.scalar(sa.select(Response.comment).where(Response.source_id == "2368")) == ""
    assert rollup_differences() == []


def test_rows_without_a_date_take_the_import_time(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "score\n4\n")
    result = runner.invoke(
        args=["import-responses", str(path), "--kind", "csat", "--map", "score=score"]
    )
    assert result.exit_code == 0
    assert (
        result.stderr == "warning: no source_id column; importing this file again duplicates it\n"
    )
    assert result.stdout == "imported 1; rejected 0\n"
    assert db.session.scalar(sa.select(Response.created_at)) == datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_day_first_dates(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "id,score,date\n1,7,03/02/2026\n")
    args = [
        "import-responses",
        str(path),
        "--kind",
        "ces",
        "--map",
        "score=score,submitted_at=date,source_id=id",
    ]
    assert runner.invoke(args=[*args, "--day-first"]).exit_code == 0
    assert db.session.scalar(sa.select(Response.created_at)) == datetime(2026, 2, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--map", "score=rating,mood=x"],
            "Invalid value for --map: unknown field 'mood'; expected one of score, submitted_at,"
            " channel, agent, team, comment, email, source_id",
        ),
        (
            ["--map", "comment=note"],
            "Invalid value for --map: map the score column, e.g. score=rating",
        ),
        (["--map", "score"], "Invalid value for --map: 'score' must look like FIELD=COLUMN"),
        (
            ["--map", "score=stars"],
            "Error: history.csv has no column 'stars'; its columns are id, rating",
        ),
        (
            ["--map", "score=rating", "--date", "soon"],
            "Invalid value for --date: 'soon' is not a date",
        ),
        (
            ["--map", "score=rating", "--survey", "999"],
            "Invalid value for --survey: there is no survey 999",
        ),
    ],
)
def test_bad_options_are_explained(
    runner: FlaskCliRunner, tmp_path: Path, extra: list[str], message: str
) -> None:
    path = write(tmp_path, "id,rating\n1,5\n")
    result = runner.invoke(args=["import-responses", str(path), "--kind", "csat", *extra])
    assert result.exit_code == 2 if "Invalid value" in message else 1
    assert message in result.stderr
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_survey_of_another_kind_is_refused(runner: FlaskCliRunner, tmp_path: Path, clock) -> None:
    survey = create_survey(SurveyKind.NPS, clock.now)
    db.session.commit()
    path = write(tmp_path, "rating\n5\n")
    result = runner.invoke(
        args=[
            "import-responses",
            str(path),
            "--kind",
            "csat",
            "--map",
            "score=rating",
            "--survey",
            str(survey.id),
        ]
    )
    assert result.exit_code == 2
    assert f"survey {survey.id} is a nps survey, not csat" in result.stderr
