"""The dashboard's support, response-rate and follow-up figures, its drill-downs, and the
CSV exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime

import pytest
from flask.testing import FlaskClient

from feedback_app.channels.labels import Labeller
from feedback_app.extensions import db
from feedback_app.models import Response, User
from feedback_app.services.metrics import (
    Period,
    followup_report,
    response_rate_figure,
)
from feedback_app.services.support.figures import support_report, volume_by_channel
from surveys.cases import CaseStatus
from tests.dashboard.conftest import at, update_case
from tests.helpers import FrozenClock

Answer = Callable[..., Response]
FEBRUARY = Period(datetime(2026, 2, 1).date(), datetime(2026, 3, 2).date())


@pytest.mark.usefixtures("interactions")
def test_support_figures(app: object) -> None:
    figures = support_report(FEBRUARY.since, FEBRUARY.until).figures
    fcr = figures["fcr"]
    assert (fcr.value, fcr.n) == (pytest.approx(200 / 3), 3)
    assert (figures["handle_time"].value, figures["handle_time"].n) == (900.0, 2)
    # From the histogram: within 1% of the exact 7200 s.
    assert figures["resolution_median"].value == pytest.approx(7200.0, rel=0.01)
    assert figures["resolution_mean"].value == (7200 + 3600 + 86400) / 3
    assert figures["first_response_median"].value == pytest.approx(1200.0, rel=0.01)
    assert figures["first_response_mean"].n == 2
    assert (figures["volume"].value, figures["abandonment"].value) == (3, 0.0)
    assert volume_by_channel(FEBRUARY.since, FEBRUARY.until) == {
        "Chat": 1,
        "Email": 1,
        "Phone": 1,
    }
    before = support_report(FEBRUARY.previous.since, FEBRUARY.previous.until).figures
    assert before["fcr"].value is None
    assert volume_by_channel(FEBRUARY.previous.since, FEBRUARY.previous.until) == {"Email": 1}


@pytest.mark.usefixtures("interactions")
def test_support_cards_on_the_page(client: FlaskClient, login: Callable[..., User]) -> None:
    login("manager")
    text = client.get("/dashboard?since=2026-02-01&until=2026-03-02").text
    assert (
        '<h3>First contact resolution</h3>\n  <p><span class="figure-value">66.7%</span>'
    ) in text
    assert '<h3>Average handle time</h3>\n  <p><span class="figure-value">15 min</span>' in text
    # The histogram's median: within 1% of the exact 2 h.
    assert (
        '<h3>Time to resolution (median)</h3>\n  <p><span class="figure-value">1 h 59 min</span>'
    ) in text
    assert (
        '<tr><th scope="row">Email</th>\n'
        '      <td><a href="/dashboard/interactions?figure=volume&amp;channel=Email'
        '&amp;since=2026-02-01&amp;until=2026-03-02">1</a></td>\n'
        '      <td><a href="/dashboard/interactions?figure=volume&amp;channel=Email'
        '&amp;since=2026-01-02&amp;until=2026-01-31">1</a></td></tr>'
    ) in text


def test_response_rate_counts_answered_invitations_among_those_sent(
    answer: Answer, make_invitation: Callable[..., object]
) -> None:
    for number in range(3):
        invitation, _ = make_invitation("csat", email=f"quiet{number}@example.com")
        invitation.sent_at = at(10)
    unsent, _ = make_invitation("csat", email="later@example.com")
    answered = answer("csat", 4, at=at(11))
    answered.invitation.sent_at = at(10)
    nps = answer("nps", 9, at=at(11))
    nps.invitation.sent_at = at(10)
    db.session.commit()
    rate = response_rate_figure(FEBRUARY)
    assert (rate.value, rate.n) == (40.0, 5)
    assert response_rate_figure(FEBRUARY, nps.kind).value == 100.0
    assert response_rate_figure(FEBRUARY.previous).value is None
    assert unsent.sent_at is None


def test_followup_figures_from_cases(answer: Answer) -> None:
    first, second, third = (answer("csat", 1, at=at(day)) for day in (3, 4, 5))
    update_case(
        first,
        first_contact_at=at(3, 12),
        status=CaseStatus.RESOLVED,
        closed_at=at(4, 9),
        recovered=True,
    )
    update_case(second, first_contact_at=at(6), recovered=False)
    update_case(third, status=CaseStatus.CLOSED_WITHOUT_ACTION, closed_at=at(5, 10))
    db.session.commit()
    figures = followup_report(FEBRUARY, at(1, month=3))
    assert (figures["contacted_in_time"].value, figures["contacted_in_time"].n) == (
        pytest.approx(100 / 3),
        3,
    )
    assert figures["time_to_first_contact"].value == (3 * 3600 + 48 * 3600) / 2
    assert (figures["time_to_resolution"].value, figures["time_to_resolution"].n) == (
        24 * 3600.0,
        1,
    )
    assert (figures["recovery_rate"].value, figures["recovery_rate"].n) == (50.0, 2)


@pytest.fixture
def drill_data(answer: Answer) -> dict[str, Response]:
    return {
        "chat": answer(
            "nps", 10, at=at(3), channel="chat", agent="ann", properties={"plan": "pro"}
        ),
        "email": answer(
            "nps", 3, at=at(4), channel="email", agent="bob", comment="=cmd|' /C calc'!A0"
        ),
        "none": answer("nps", 8, at=at(5), channel=None, comment="-2+3 was my score"),
        "old": answer("nps", 0, at=at(5, month=1), channel="email"),
        "csat": answer("csat", 2, at=at(6), channel="email"),
    }


FEB = "since=2026-02-01&until=2026-03-02"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"{FEB}&kind=nps", ["none", "email", "chat"]),
        (f"{FEB}&kind=nps&channel=email", ["email"]),
        (f"{FEB}&channel=email", ["csat", "email"]),
        (f"{FEB}&kind=nps&channel=none", ["none"]),
        (f"{FEB}&kind=nps&property=plan&property_value=pro", ["chat"]),
        (f"{FEB}&kind=nps&property=plan&property_value=none", ["none", "email"]),
        ("kind=nps&since=2026-01-01&until=2026-01-31", ["old"]),
    ],
)
def test_drill_down_lists_the_responses_behind_a_figure(
    client: FlaskClient,
    login: Callable[..., User],
    drill_data: dict[str, Response],
    query: str,
    expected: list[str],
) -> None:
    login("manager")
    page = client.get(f"/dashboard/responses?{query}")
    assert page.status_code == 200
    assert f"{len(expected)} in all." in page.text
    shown = [
        name
        for name, r in drill_data.items()
        if f"<td>{r.score}</td><td>{r.bucket.value}" in page.text
    ]
    assert sorted(shown) == sorted(expected)


def test_drill_down_by_agent(
    client: FlaskClient, login: Callable[..., User], drill_data: dict[str, Response]
) -> None:
    login("manager")
    agent = drill_data["email"].agent_id
    page = client.get(
        f"/dashboard/responses?kind=nps&since=2026-02-01&until=2026-03-02&agent={agent}"
    )
    assert "1 in all." in page.text
    assert '<td class="text" dir="auto">bob</td>' in page.text


def test_drill_down_refuses_bad_filters(
    client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    login("manager")
    for name in ("chat", "7", "WhatsApp"):
        Labeller(clock.now)(name)
    db.session.commit()
    page = client.get("/dashboard/responses?channel=fax&agent=x")
    assert page.status_code == 422
    assert "<li><strong>Channel</strong> must be one of none, Chat, WhatsApp</li>" in page.text
    assert "<li><strong>Agent</strong> must be a positive whole number</li>" in page.text


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode())))


def test_responses_export_streams_and_guards_formulas(
    client: FlaskClient, login: Callable[..., User], drill_data: dict[str, Response]
) -> None:
    login("manager")
    response = client.get(
        "/dashboard/export/responses.csv?kind=nps&since=2026-02-01&until=2026-03-02"
    )
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="responses-2026-02-01-2026-03-02.csv"'
    )
    rows = read_csv(response.data)
    assert rows[0] == [
        "id",
        "created_at",
        "updated_at",
        "kind",
        "survey_id",
        "score",
        "bucket",
        "comment",
        "channel",
        "team",
        "agent_email",
        "customer_email",
        "interaction_external_id",
    ]
    by_id = {row[0]: row for row in rows[1:]}
    assert len(by_id) == 3
    email = by_id[str(drill_data["email"].id)]
    assert email[1:8] == [
        "2026-02-04T09:00:00Z",
        "2026-02-04T09:00:00Z",
        "nps",
        str(drill_data["email"].survey_id),
        "3",
        "detractor",
        "'=cmd|' /C calc'!A0",
    ]
    assert email[8:11] == ["Email", "", "bob@example.com"]
    assert by_id[str(drill_data["none"].id)][7] == "'-2+3 was my score"


def test_kpi_export(
    client: FlaskClient, login: Callable[..., User], drill_data: dict[str, Response]
) -> None:
    login("manager")
    response = client.get(
        "/dashboard/export/kpis.csv?kind=nps&since=2026-02-01&until=2026-03-02&group_by=channel&interval=month"
    )
    assert response.status_code == 200
    rows = read_csv(response.data)
    assert rows[0] == [
        "table",
        "key",
        "label",
        "figure",
        "value",
        "n",
        "low",
        "high",
        "margin",
        "low_sample",
    ]
    assert [row[:6] for row in rows[1:]] == [
        ["overall", "2026-02-01/2026-03-02", "This period", "nps", "0", "3"],
        ["overall", "previous", "Previous period", "nps", "-100", "1"],
        ["series", "2026-02-01", "2026-02", "nps", "0", "3"],
        ["series", "2026-03-01", "2026-03", "nps", "", "0"],
        ["group", "none", "(none)", "nps", "0", "1"],
        ["group", "Chat", "Chat", "nps", "100", "1"],
        ["group", "Email", "Email", "nps", "-100", "1"],
    ]
    # Figures as people write them: whole or with two decimals at most, yes or no.
    assert rows[1][6:] == ["-92.39", "92.39", "92.39", "yes"]
    assert rows[2][9] == "yes"
