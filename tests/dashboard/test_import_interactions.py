"""``feedback import-interactions``: the call-centre dataset onto the dashboard, bad rows by
line and field, duplicates, anonymous contacts and agents known by name."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.ingest.interactions import InteractionInput, ingest_interaction
from feedback_app.ingest.people import AgentInput
from feedback_app.models import Agent, Customer, Interaction, Invitation, Response, User
from feedback_app.services.metrics import Period, score_report
from feedback_app.services.rollups import rollup_differences
from feedback_app.services.support.figures import SupportGroupBy, support_report
from feedback_app.services.support.rollups import support_rollup_differences
from surveys import SurveyKind

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "call_centre_200.csv"
#: The whole dataset (see its README), in ``shared/`` beside the checkout or beside its
#: worktrees' folder.
FULL = (
    next(
        (
            path
            for path in (ROOT.parent / "shared", ROOT.parent.parent / "shared")
            if (path / "data" / "call_centre.csv").exists()
        ),
        ROOT.parent / "shared",
    )
    / "data"
    / "call_centre.csv"
)
CALL_CENTRE_MAP = (
    "external_id=Call Id,agent=Agent,opened_at=Date+Time,topic=Topic,answered=Answered (Y/N),"
    "first_contact_resolved=Resolved,first_response_seconds=Speed of answer in seconds,"
    "talk_seconds=AvgTalkDuration,rating=Satisfaction rating"
)


def import_calls(runner: FlaskCliRunner, path: Path, *extra: str) -> object:
    return runner.invoke(
        args=[
            "import-interactions",
            str(path),
            "--map",
            CALL_CENTRE_MAP,
            "--channel",
            "phone",
            "--kind",
            "csat",
            *extra,
        ]
    )


@pytest.fixture
def clock_in_2021(clock: object) -> None:
    clock.now = datetime(2021, 4, 1, tzinfo=UTC)  # type: ignore[attr-defined]


@pytest.mark.usefixtures("clock_in_2021")
def test_the_call_centre_sample_reaches_the_dashboard(
    runner: FlaskCliRunner, client: FlaskClient, login: Callable[..., User]
) -> None:
    result = import_calls(runner, SAMPLE)
    assert (result.exit_code, result.output) == (0, "imported 200; 158 ratings; rejected 0\n")
    assert support_rollup_differences() == []
    assert rollup_differences() == []
    login("manager")
    text = client.get("/dashboard?since=2021-01-01&until=2021-01-04&support_by=agent").text
    # 139 of the 158 answered calls resolved; 42 of 200 abandoned; talk time 36,567 s over
    # 158 calls (231 s); 74 of 158 ratings 4 or 5.
    for label, value in (
        ("First contact resolution", "88.0%"),
        ("Abandonment rate", "21.0%"),
        ("Average handle time", "3 min"),
        ("Talk time (mean)", "3 min"),
        ("First response time (mean)", "1 min"),
        ("Volume (contacts opened)", "200"),
        ("CSAT", "46.8%"),
    ):
        assert f'<h3>{label}</h3>\n  <p><span class="figure-value">{value}</span>' in text
    # Diane took 28 calls, 6 abandoned, and resolved 20 of the 22 she answered.
    row = text[text.index(">Diane</a>") :].split("</tr>")[0]
    assert re.findall(r'figure-value">([^<]*)<', row)[:3] == ["28", "21.4%", "90.9%"]
    # Hold and after-call work are not in the file: no data, not zero.
    assert '<h3>Hold time (mean)</h3>\n  <p><span class="figure-value">No data</span>' in text

    again = import_calls(runner, SAMPLE)
    assert again.exit_code == 0
    assert again.output.startswith("imported 0; 0 ratings; skipped 200 already imported")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Interaction)) == 200


@pytest.mark.usefixtures("clock_in_2021")
@pytest.mark.skipif(not FULL.exists(), reason="the shared call-centre dataset is not here")
def test_the_whole_call_centre_dataset(runner: FlaskCliRunner) -> None:
    assert import_calls(runner, FULL).exit_code == 0
    report = support_report(date(2021, 1, 1), date(2021, 3, 31), group_by=SupportGroupBy.TOPIC)
    figures = report.figures
    # The dataset's README: 4,054 answered, 3,646 resolved, 273,729 s to answer them.
    assert (figures["fcr"].n, figures["fcr"].value) == (4054, pytest.approx(100 * 3646 / 4054))
    assert figures["first_response_mean"].value == pytest.approx(273_729 / 4054)
    assert (figures["volume"].n, figures["abandonment"].value) == (5000, pytest.approx(18.92))
    assert sorted(g.figures["volume"].n for g in report.groups) == [976, 976, 1007, 1019, 1022]
    csat = score_report(SurveyKind.CSAT, Period(date(2021, 1, 1), date(2021, 3, 31)))
    assert csat.figures["csat"].value == pytest.approx(100 * 2023 / 4054)
    assert len(db.session.scalars(sa.select(Agent)).all()) == 8


HEADER = (
    "id,customer,name,agent,team,channel,opened,first reply,resolved,talk,hold,wrap,total,"
    "fcr,answered\n"
)
EXPORT = (
    HEADER
    + "T1,Ann@Example.com,Ann Lee,dan@example.com,Tier 1,chat,2026-02-02T09:00:00Z,"
    + "2026-02-02T09:05:00Z,2026-02-02T10:00:00Z,0:05:00,60,30,,yes,true\n"
    + """\
T2,,,Greg,,,2026-02-02T11:00:00Z,,,abc,,,,,1
T3,,,Greg,,,2026-02-02T11:00:00Z,,,,,,,maybe,
T4,,,,,,2030-01-01,,,,,,,,
T5,not-an-email,,,,,2026-02-02,,,,,,,,
T6,,,,,,2026-02-02T12:00:00Z,,2026-02-02T11:00:00Z,,,,,,
,,,,,,2026-02-02,,,,,,,,
T7,,,Greg,,,2026-02-02T13:00:00Z,,,,,,900,N,N
"""
    # A channel name too long to be a label.
    + f"T8,,,,,{'fax' * 67},2026-02-02,,,,,,,,\n"
    + """\
T9,,,,,,2026-02-02,,,٣٠,,,,,
T10,,,,,,2026-02-02,,,,,,99999999999,,
T1,,,,,,2026-02-02,,,,,,,,
T11,two@example.com,,Greg,Tier 2,email,2026-02-03T08:00:00Z,,2026-02-03T09:00:00Z,,,,600,,
"""
)
EXPORT_MAP = (
    "external_id=id,customer_email=customer,customer_name=name,agent=agent,team=team,"
    "channel=channel,opened_at=opened,first_response_at=first reply,resolved_at=resolved,"
    "talk_seconds=talk,hold_seconds=hold,after_work_seconds=wrap,handle_seconds=total,"
    "first_contact_resolved=fcr,answered=answered"
)


def test_bad_rows_are_reported_by_line_and_field_and_lose_nothing(
    runner: FlaskCliRunner, tmp_path: Path, clock: object
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    result = runner.invoke(args=["import-interactions", str(path), "--map", EXPORT_MAP])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 3: talk_seconds: 'abc' is not a duration (seconds, or H:MM:SS)",
        "line 4: first_contact_resolved: 'maybe' is not yes or no (Y/N, yes/no, true/false, 1/0)",
        "line 5: opened_at: '2030-01-01' is in the future",
        "line 6: customer_email: 'not-an-email' is not an email address",
        "line 7: resolved_at: must not be before opened_at",
        "line 8: external_id: is missing",
        "line 10: channel: is over 200 characters",
        "line 11: talk_seconds: '٣٠' is not a duration (seconds, or H:MM:SS)",
        "line 12: handle_seconds: '99999999999' is longer than 2147483647 seconds",
    ]
    assert result.stdout == "imported 3; skipped 1 already imported (lines 13); rejected 9\n"
    rows = {i.external_id: i for i in db.session.scalars(sa.select(Interaction))}
    assert sorted(rows) == ["T1", "T11", "T7"]
    first = rows["T1"]
    assert (first.talk_seconds, first.hold_seconds, first.after_work_seconds) == (300, 60, 30)
    assert (first.first_contact_resolved, first.answered, first.channel) == (
        True,
        True,
        "Chat",
    )
    assert first.customer is not None
    assert (first.customer.email, first.customer.name) == ("ann@example.com", "Ann Lee")
    assert first.agent is not None and first.agent.email == "dan@example.com"
    assert first.agent.team is not None and first.agent.team.name == "Tier 1"
    abandoned = rows["T7"]
    assert (abandoned.customer_id, abandoned.answered, abandoned.handle_seconds) == (
        None,
        False,
        900,
    )
    # Nobody is surveyed by an import.
    assert db.session.scalars(sa.select(Invitation)).all() == []
    figures = support_report(date(2026, 2, 2), date(2026, 2, 3), min_n=1).figures
    # T7 is abandoned: in the volume and the abandonment only.
    assert (figures["volume"].n, figures["abandonment"].value) == (3, pytest.approx(100 / 3))
    # T1: 300 + 60 + 30 = 390 s; T11: its total, 600 s.
    assert (figures["handle_time"].n, figures["handle_time"].value) == (2, 495.0)
    assert (figures["talk_time"].n, figures["hold_time"].value) == (1, 60.0)
    # T1's flag says yes; T11 resolved and two@example.com never came back.
    assert (figures["fcr"].n, figures["fcr"].value) == (2, 100.0)
    assert support_rollup_differences() == []


def test_agents_known_by_name_get_their_email_later(
    runner: FlaskCliRunner, tmp_path: Path, clock: object
) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        "id,who,when\nC1,Greg,2026-02-02T09:00:00Z\nC2,Greg,2026-02-02T10:00:00Z\n",
        encoding="utf-8",
    )
    map_ = "external_id=id,agent=who,opened_at=when"
    assert runner.invoke(args=["import-interactions", str(path), "--map", map_]).exit_code == 0
    agent = db.session.scalars(sa.select(Agent)).one()
    assert (agent.email, agent.name) == (None, "Greg")
    ingest_interaction(
        InteractionInput(
            external_id="C3",
            customer=None,
            agent=AgentInput(email="greg@example.com", name="Greg"),
        ),
        clock.now,  # type: ignore[attr-defined]
    )
    assert [(a.id, a.email) for a in db.session.scalars(sa.select(Agent))] == [
        (agent.id, "greg@example.com")
    ]
    # Anonymous contacts: no customer row, no invitation.
    assert db.session.scalars(sa.select(Customer)).all() == []
    assert db.session.scalars(sa.select(Invitation)).all() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "id=Call Id"], "unknown field 'id'"),
        (["--map", "agent=Agent"], "map the ticket or call id column"),
        (["--map", "external_id=Call Id,opened_at=Date+"], "must look like FIELD=COLUMN"),
        (["--map", "external_id=Call Id,rating=Satisfaction rating"], "say what the rating"),
        (["--map", "external_id=Call Id,topic=Subject"], "has no column 'Subject'"),
    ],
)
def test_bad_maps_are_refused(runner: FlaskCliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(args=["import-interactions", str(SAMPLE), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalars(sa.select(Interaction)).all() == []
    assert db.session.scalars(sa.select(Response)).all() == []


@pytest.mark.usefixtures("clock_in_2021")
def test_agents_known_by_name_show_by_name_everywhere(
    runner: FlaskCliRunner, client: FlaskClient, login: Callable[..., User]
) -> None:
    assert import_calls(runner, SAMPLE).exit_code == 0
    login("manager")
    interactions = client.get(
        "/dashboard/interactions?figure=volume&since=2021-01-01&until=2021-01-01"
    )
    assert '<td class="text">Diane</td>' in interactions.text
    assert "None" not in interactions.text
    responses = client.get("/dashboard/responses?kind=csat&since=2021-01-01&until=2021-01-01")
    assert '<td class="text" dir="auto">Diane</td>' in responses.text
    # The follow-up queue's agent filter.
    queue = client.get("/followups/")
    assert queue.status_code == 200
    assert ">Diane</option>" in queue.text
    assert ">None<" not in queue.text
