"""GET /api/v1/metrics/support, /retention and /utilization: exact figures on hand-computed
data, series and breakdowns, and bad queries named."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Agent, Response, Team, User
from feedback_app.services.dashboard_kpis import RETENTION_CARDS, UTILIZATION_CARDS
from feedback_app.services.metrics import SUPPORT_CARDS
from feedback_app.services.support.figures import support_report
from feedback_app.web.dashboard import FLAG_LABELS
from feedback_app.web.reports import change_data, estimate_data
from surveys.figures import format_value
from surveys.retention import difference_of_proportions
from surveys.utilization import UtilizationFlag
from tests.dashboard.conftest import at

Answer = Callable[..., Response]
FEBRUARY = "since=2026-02-01&until=2026-02-28"


def D(dom: int, month: int = 2) -> date:
    return date(2026, month, dom)


def get(client: FlaskClient, api_key: str, path: str, query: str = FEBRUARY) -> Any:
    answer = client.get(
        f"/api/v1/metrics/{path}?{query}", headers={"Authorization": f"Bearer {api_key}"}
    )
    assert answer.status_code == 200, answer.json
    return answer.json


def value(line: dict[str, Any], name: str) -> Any:
    return line["figures"][name]["value"]


# --- Support ------------------------------------------------------------------------------


@pytest.mark.usefixtures("interactions")
def test_support_is_the_rollups_figures_with_series_and_breakdown(
    client: FlaskClient, api_key: str
) -> None:
    body = get(client, api_key, "support", FEBRUARY + "&interval=week&group_by=channel")
    figures = support_report(D(1), D(28)).figures
    assert body["figures"]["fcr"] == change_data(
        "fcr", figures["fcr"], support_report(D(4, 1), D(31, 1)).figures["fcr"]
    )
    assert (value(body, "volume"), value(body, "fcr"), value(body, "handle_time")) == (
        3.0,
        pytest.approx(100 * 2 / 3),
        900.0,
    )
    assert body["previous_period"] == {"since": "2026-01-04", "until": "2026-01-31"}
    assert body["figures"]["volume"]["previous"]["value"] == 1.0
    assert [(s["period"], s["since"], s["until"], value(s, "volume")) for s in body["series"]] == [
        ("2026-W05", "2026-02-01", "2026-02-01", 0.0),
        ("2026-W06", "2026-02-02", "2026-02-08", 0.0),
        ("2026-W07", "2026-02-09", "2026-02-15", 2.0),
        ("2026-W08", "2026-02-16", "2026-02-22", 1.0),
        ("2026-W09", "2026-02-23", "2026-02-28", 0.0),
    ]
    # Each week's figures are that week's own report.
    week = support_report(D(9), D(15)).figures
    assert body["series"][2]["figures"] == {k: estimate_data(v) for k, v in week.items()}
    assert [(g["key"], g["label"], value(g, "volume")) for g in body["groups"]] == [
        ("Chat", "Chat", 1.0),
        ("Email", "Email", 1.0),
        ("Phone", "Phone", 1.0),
    ]
    assert (body["group_by"], body["property"], body["differences"]) == ("channel", None, [])


@pytest.mark.usefixtures("interactions")
def test_support_by_a_customer_property(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "support", FEBRUARY + "&group_by=property&property=plan")
    assert [(g["key"], value(g, "volume")) for g in body["groups"]] == [("none", 3.0)]
    assert body["property"] == "plan"


# --- Retention ----------------------------------------------------------------------------


@pytest.fixture
def customers(client: FlaskClient, api_key: str, answer: Answer) -> None:
    """Six customers at the start of February, two acquired in it (one kept), three lost;
    their latest NPS answers before February file them as promoters, passives and
    detractors."""
    for email, score, when in (
        ("p1", 10, at(15, month=1)),
        ("p2", 9, at(15, month=1)),
        ("d1", 2, at(15, month=1)),
        ("d2", 6, at(16, month=1)),
        ("x", 10, at(1, month=1)),  # a promoter once, a passive since
        ("x", 7, at(20, month=1)),
        ("x", 0, at(5)),  # after the start: not the bucket at the start
    ):
        answer("nps", score, at=when, channel=None, email=f"{email}@example.com")
    lifecycles = {
        "p1": ("2025-01-01T00:00:00Z", None),
        "p2": ("2025-01-01T00:00:00Z", "2026-02-10T00:00:00Z"),
        "d1": ("2025-01-01T00:00:00Z", "2026-02-05T00:00:00Z"),
        "d2": ("2025-01-01T00:00:00Z", "2026-02-20T00:00:00Z"),
        "x": ("2025-03-01T00:00:00Z", None),
        "n": ("2025-06-01T00:00:00Z", None),
        "a": ("2026-02-10T00:00:00Z", None),
        "b": ("2026-02-03T00:00:00Z", "2026-02-15T00:00:00Z"),
        "later": ("2026-03-01T00:00:00Z", None),
    }
    for name, (since, churned) in lifecycles.items():
        body = {"email": f"{name}@example.com", "customer_since": since, "churned_at": churned}
        response = client.post(
            "/api/v1/people", json=body, headers={"Authorization": f"Bearer {api_key}"}
        )
        assert response.status_code in (200, 202), response.json


@pytest.mark.usefixtures("customers")
def test_retention_is_the_guides_formula(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "retention")
    counts = {name: value(body, name) for name in body["figures"]}
    # (4 at the end - 1 acquired) / 6 at the start.
    assert counts == {
        "retention": 50.0,
        "customers_at_start": 6.0,
        "customers_at_end": 4.0,
        "acquired": 1.0,
        "churned": 3.0,
    }
    assert body["figures"]["retention"]["n"] == 6
    assert body["figures"]["retention"]["previous"]["value"] == 100.0
    assert body["figures"]["retention"]["change"] == -50.0


@pytest.mark.usefixtures("customers")
def test_retention_by_nps_bucket_with_the_differences(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "retention", FEBRUARY + "&group_by=nps_bucket")
    assert [
        (g["key"], g["label"], value(g, "retention"), g["figures"]["retention"]["n"])
        for g in body["groups"]
    ] == [
        ("promoter", "Promoters", 50.0, 2),
        ("passive", "Passives", 100.0, 1),
        ("detractor", "Detractors", 0.0, 2),
        ("none", "No NPS answer", 100.0, 1),
    ]
    promoters = difference_of_proportions(1, 2, 0, 2)
    passives = difference_of_proportions(1, 1, 0, 2)
    assert promoters is not None and passives is not None
    assert body["differences"] == [
        {
            "figure": "retention",
            "key": "promoter",
            "other": "detractor",
            "value": 50.0,
            "low": promoters.low,
            "high": promoters.high,
            "significant": False,
        },
        {
            "figure": "retention",
            "key": "passive",
            "other": "detractor",
            "value": 100.0,
            "low": passives.low,
            "high": passives.high,
            "significant": passives.significant,
        },
    ]


@pytest.mark.usefixtures("customers")
def test_retention_series_by_week(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "retention", "since=2026-02-02&until=2026-02-15&interval=week")
    # Week 6: d1 leaves (5 of 6 stay), b joins; week 7: p2 and b leave (4 of 6), a joins.
    assert [(s["period"], value(s, "retention"), value(s, "acquired")) for s in body["series"]] == [
        ("2026-W06", pytest.approx(100 * 5 / 6), 1.0),
        ("2026-W07", pytest.approx(100 * 4 / 6), 1.0),
    ]


def test_no_customers_is_no_data(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "retention", "group_by=nps_bucket")
    assert value(body, "retention") is None
    assert [d["significant"] for d in body["differences"]] == [None, None]


# --- Utilization --------------------------------------------------------------------------


@pytest.fixture
def agent_days(client: FlaskClient, api_key: str) -> None:
    def day(name: str, dom: int, shift: int, logged_in: int) -> dict[str, Any]:
        return {
            "agent": {"email": f"{name}@example.com", "name": name.title()},
            "date": f"2026-02-{dom:02d}",
            "shift_seconds": shift,
            "logged_in_seconds": logged_in,
        }

    days = [
        day("ann", 2, 28800, 27000),
        day("ann", 3, 28800, 28800),
        day("bob", 2, 28800, 14400),
        # Cy's team is posted with the day; Ann's is the agent's own.
        {**day("cy", 9, 28800, 23040), "team": "Support"},
        day("cy", 5, 28800, 0),
    ]
    response = client.post(
        "/api/v1/agent-time", json={"days": days}, headers={"Authorization": f"Bearer {api_key}"}
    )
    assert response.status_code == 200
    # Cy's day off is posted again as no shift at all.
    replace = {"days": [day("cy", 5, 0, 0)]}
    client.post("/api/v1/agent-time", json=replace, headers={"Authorization": f"Bearer {api_key}"})
    support = db.session.scalars(sa.select(Team).where(Team.name == "Support")).one()
    db.session.scalars(
        sa.select(Agent).where(Agent.email == "ann@example.com")
    ).one().team = support
    db.session.commit()


@pytest.mark.usefixtures("agent_days")
def test_utilization_by_agent_with_flags(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "utilization", FEBRUARY + "&group_by=agent")
    # 7 h 30 + 8 h + 4 h + 6 h 24 logged in of 5 shifts of 8 h and a day with none.
    assert value(body, "utilization") == pytest.approx(100 * 93240 / 115200)
    assert body["figures"]["utilization"]["n"] == 5
    assert (value(body, "shift_time"), value(body, "logged_in_time")) == (115200.0, 93240.0)
    assert (body["floor"], body["overwork_above"]) == (70, 90.0)
    assert [(g["label"], value(g, "utilization"), g["flag"]) for g in body["groups"]] == [
        ("Ann", pytest.approx(96.875), "overwork"),
        ("Bob", 50.0, "below_floor"),
        ("Cy", 80.0, None),
    ]


@pytest.mark.usefixtures("agent_days")
def test_utilization_by_team_and_week(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "utilization", FEBRUARY + "&group_by=team&interval=week")
    assert [(g["key"], g["label"], value(g, "utilization"), g["flag"]) for g in body["groups"]][
        1:
    ] == [("none", "(none)", 50.0, "below_floor")]
    assert (body["groups"][0]["label"], value(body["groups"][0], "utilization")) == (
        "Support",
        pytest.approx(91.25),
    )
    assert [(s["period"], value(s, "utilization")) for s in body["series"]] == [
        ("2026-W05", None),
        ("2026-W06", pytest.approx(100 * 70200 / 86400)),
        ("2026-W07", 80.0),
        ("2026-W08", None),
        ("2026-W09", None),
    ]


def test_a_floor_from_the_settings_moves_the_flags(
    client: FlaskClient, api_key: str, agent_days: None, app: Any
) -> None:
    app.config["UTILIZATION_FLOOR"] = 85
    body = get(client, api_key, "utilization", FEBRUARY + "&group_by=agent")
    assert [g["flag"] for g in body["groups"]] == ["overwork", "below_floor", "below_floor"]


# --- Bad queries --------------------------------------------------------------------------


DATE = "must be a date such as 2026-03-02"
MAX = "3660 days"
BAD_QUERIES = [
    ("support", "group_by=property", {"property": "is required to group by a customer property"}),
    (
        "support",
        "group_by=nps_bucket",
        {"group_by": "must be one of channel, team, agent, topic, property"},
    ),
    (
        "support",
        "interval=year&since=2026-02-30",
        {"interval": "must be one of day, week, month", "since": DATE},
    ),
    (
        "support",
        "since=2000-01-01&until=2026-03-01",
        {"since": "the range must be at most 3660 days"},
    ),
    ("retention", "group_by=agent", {"group_by": "must be one of nps_bucket"}),
    ("retention", "since=\uff12\uff10\uff12\uff16-01-01", {"since": DATE}),
    (
        "retention",
        "since=2026-03-02&until=2026-03-01",
        {"since": "must not be after the last day of the period"},
    ),
    ("utilization", "group_by=channel", {"group_by": "must be one of agent, team"}),
    ("utilization", "until=9999-12-31", {"until": "must be in the years 1970 to 2999"}),
    ("utilization", "since=2026-01-01%00", {"since": DATE}),
    ("utilization", "since=" + "9" * 5000, {"since": DATE}),
]


@pytest.mark.parametrize(("path", "query", "errors"), BAD_QUERIES)
def test_bad_queries_name_each_bad_argument(
    client: FlaskClient, api_key: str, path: str, query: str, errors: dict[str, str]
) -> None:
    response = client.get(
        f"/api/v1/metrics/{path}?{query}", headers={"Authorization": f"Bearer {api_key}"}
    )
    assert response.status_code == 422
    assert response.json == {
        "error": "invalid",
        "message": "invalid metrics query",
        "errors": errors,
    }


def test_the_figures_need_a_read_key(client: FlaskClient, make_api_key: Callable[..., str]) -> None:
    for path in ("support", "retention", "utilization"):
        assert client.get(f"/api/v1/metrics/{path}").status_code == 401
        ingest = {"Authorization": f"Bearer {make_api_key('ingest', name=path)}"}
        assert client.get(f"/api/v1/metrics/{path}", headers=ingest).status_code == 403


def test_an_empty_period_has_no_data(client: FlaskClient, api_key: str) -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC).date().isoformat()
    body = get(client, api_key, "utilization", f"since={now}&until={now}&group_by=team")
    assert (value(body, "utilization"), body["groups"]) == (None, [])
    assert value(get(client, api_key, "support", f"since={now}&until={now}"), "fcr") is None


# --- The page shows the API's numbers -----------------------------------------------------

CARD = re.compile(r'<h3>([^<]*)</h3>\s*<p><span class="figure-value">([^<]*)</span>')
SUPPORT_ROW = re.compile(
    r'<tr><th scope="row"><a href="/dashboard/interactions[^"]*">([^<]*)</a></th>\s*'
    r'<td><span class="figure-value">([^<]*)</span>'
)
BUCKET_ROW = re.compile(
    r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>'
    r'<td><span class="figure-value">([^<]*)</span>'
)
DIFFERENCE_ROW = re.compile(
    r'<tr><th scope="row">([^<]*)</th>\s*<td><span class="figure-value">([^<]*)</span></td>'
    r"<td>([^<]*)</td><td>([^<]*)</td>"
)
TIME_ROW = re.compile(
    r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>'
    r'<td><span class="figure-value">([^<]*)</span>.*?</td><td>(?:<span class="utilization-flag">)?'
    r"([^<]*)",
    re.DOTALL,
)


def page(client: FlaskClient, login: Callable[..., User]) -> str:
    login("manager")
    answer = client.get(f"/dashboard?{FEBRUARY}")
    assert answer.status_code == 200
    return html.unescape(answer.text)


def cards(text: str) -> dict[str, str]:
    return dict(CARD.findall(text))


@pytest.mark.usefixtures("interactions")
def test_the_page_shows_the_support_api_numbers(
    client: FlaskClient, api_key: str, login: Callable[..., User]
) -> None:
    body = get(client, api_key, "support", FEBRUARY + "&group_by=channel")
    text = page(client, login)
    shown = cards(text)
    for name, label, unit, _ in SUPPORT_CARDS:
        assert shown[label] == format_value(value(body, name), unit), name
    assert shown["First contact resolution"] == "66.7%"
    assert SUPPORT_ROW.findall(text) == [
        (g["label"], format_value(value(g, "volume"), "count")) for g in body["groups"]
    ]


@pytest.mark.usefixtures("customers")
def test_the_page_shows_the_retention_api_numbers(
    client: FlaskClient, api_key: str, login: Callable[..., User]
) -> None:
    body = get(client, api_key, "retention", FEBRUARY + "&group_by=nps_bucket")
    text = page(client, login)
    shown = cards(text)
    for name, label, unit in RETENTION_CARDS:
        assert shown[label] == format_value(value(body, name), unit), name
    assert shown["Retention rate"] == "50.0%"
    assert BUCKET_ROW.findall(text) == [
        (
            g["label"],
            format_value(value(g, "customers_at_start"), "count"),
            format_value(value(g, "customers_at_end"), "count"),
            format_value(value(g, "retention"), "percent"),
        )
        for g in body["groups"]
    ]
    labels = {g["key"]: g["label"] for g in body["groups"]}
    assert DIFFERENCE_ROW.findall(text) == [
        (
            f"{labels[d['key']]} vs {labels[d['other']]}",
            f"{d['value']:+.1f} pts",
            f"{d['low']:+.1f} to {d['high']:+.1f} pts",
            "Yes" if d["significant"] else "No: the interval includes zero",
        )
        for d in body["differences"]
    ]
    assert DIFFERENCE_ROW.findall(text)[0][:2] == ("Promoters vs Detractors", "+50.0 pts")


@pytest.mark.usefixtures("agent_days")
def test_the_page_shows_the_utilization_api_numbers(
    client: FlaskClient, api_key: str, login: Callable[..., User]
) -> None:
    text = page(client, login)
    shown = cards(text)
    rows = TIME_ROW.findall(text.split('id="utilization-heading"')[1])
    expected = []
    for by in ("agent", "team"):
        body = get(client, api_key, "utilization", FEBRUARY + f"&group_by={by}")
        for name, label, unit in UTILIZATION_CARDS:
            assert shown[label] == format_value(value(body, name), unit), name
        expected += [
            (
                g["label"],
                format_value(value(g, "shift_time"), "duration"),
                format_value(value(g, "logged_in_time"), "duration"),
                format_value(value(g, "utilization"), "percent"),
                FLAG_LABELS[UtilizationFlag(g["flag"])] if g["flag"] else "",
            )
            for g in body["groups"]
        ]
    assert rows == expected
    assert rows[0] == ("Ann", "16 h", "15 h 30 min", "96.9%", "Overworked")
    assert shown["Agent utilization"] == "80.9%"


def test_the_page_without_lifecycles_or_agent_time(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    text = page(client, login)
    assert cards(text)["Retention rate"] == "No data"
    assert "No agent time in this period." in text
    assert "<caption>Do they stay more than detractors?" in text
