"""GET /api/v1/metrics and the dashboard page: exact figures, grouping, periods, and the page
showing the same numbers as the API."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from feedback_app.models import Response, User
from feedback_app.services.metrics import Interval
from feedback_app.web.charts import period_name
from feedback_app.web.reports import change_data
from surveys.figures import format_value
from surveys.metrics import net_promoter_score

Answer = Callable[..., Response]


def day(month: int, dom: int) -> datetime:
    return datetime(2026, month, dom, 12, 0, tzinfo=UTC)


@pytest.fixture
def nps_answers(answer: Answer) -> None:
    """Six NPS answers in the default period (Feb 1 to Mar 2) and one in the period before."""
    pro, free = {"plan": "pro"}, {"plan": "free"}
    answer("nps", 10, at=day(2, 3), channel="chat", team="Billing", agent="ann", properties=pro)
    answer("nps", 9, at=day(2, 3), channel="chat", team="Billing", agent="ann", properties=pro)
    answer("nps", 7, at=day(2, 10), channel="email", team="Tech", agent="bob", properties=free)
    answer("nps", 0, at=day(2, 17), channel="email", team="Tech", agent="bob", properties=free)
    answer("nps", 10, at=day(3, 2), channel="phone")
    answer("nps", 6, at=day(3, 2), channel=None)
    answer("nps", 10, at=day(1, 15), channel="chat")
    answer("csat", 5, at=day(2, 3), channel="chat")


def get(client: FlaskClient, api_key: str, query: str) -> Any:
    return client.get(f"/api/v1/metrics?{query}", headers={"Authorization": f"Bearer {api_key}"})


def values(lines: list[dict[str, Any]], key: str = "label") -> list[tuple[str, Any, int]]:
    return [
        (line[key], line["figures"]["nps"]["value"], line["figures"]["nps"]["n"]) for line in lines
    ]


def test_the_api_needs_a_key(client: FlaskClient) -> None:
    assert client.get("/api/v1/metrics?kind=nps").status_code == 401


@pytest.mark.usefixtures("nps_answers")
def test_nps_with_n_margin_and_the_previous_period(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "kind=nps").json
    assert body["since"] == "2026-02-01"
    assert body["until"] == "2026-03-02"
    assert body["previous_period"] == {"since": "2026-01-02", "until": "2026-01-31"}
    assert body["min_n"] == 30
    nps = body["figures"]["nps"]
    expected = change_data("nps", net_promoter_score(3, 1, 2), net_promoter_score(1, 0, 0))
    assert nps == expected
    assert nps["value"] == pytest.approx(100 / 6)
    assert (nps["n"], nps["low_sample"]) == (6, True)
    assert nps["change"] == pytest.approx(100 / 6 - 100)
    assert body["series"] == []
    assert body["groups"] == []


@pytest.mark.usefixtures("nps_answers")
def test_series_by_week_clips_the_first_and_last_weeks(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "kind=nps&interval=week").json
    assert [(s["period"], s["since"], s["until"]) for s in body["series"]] == [
        ("2026-W05", "2026-02-01", "2026-02-01"),
        ("2026-W06", "2026-02-02", "2026-02-08"),
        ("2026-W07", "2026-02-09", "2026-02-15"),
        ("2026-W08", "2026-02-16", "2026-02-22"),
        ("2026-W09", "2026-02-23", "2026-03-01"),
        ("2026-W10", "2026-03-02", "2026-03-02"),
    ]
    assert values(body["series"], "period") == [
        ("2026-W05", None, 0),
        ("2026-W06", 100.0, 2),
        ("2026-W07", 0.0, 1),
        ("2026-W08", -100.0, 1),
        ("2026-W09", None, 0),
        ("2026-W10", 0.0, 2),
    ]


@pytest.mark.usefixtures("nps_answers")
def test_series_by_month_and_day(client: FlaskClient, api_key: str) -> None:
    months = get(client, api_key, "kind=nps&interval=month&since=2026-01-10").json["series"]
    assert values(months, "period") == [
        ("2026-01", 100.0, 1),
        ("2026-02", pytest.approx(25.0), 4),
        ("2026-03", 0.0, 2),
    ]
    days = get(client, api_key, "kind=nps&interval=day&since=2026-02-03&until=2026-02-04").json
    assert values(days["series"], "period") == [("2026-02-03", 100.0, 2), ("2026-02-04", None, 0)]


@pytest.mark.usefixtures("nps_answers")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "group_by=channel",
            [("Chat", 100.0, 2), ("Email", -50.0, 2), ("(none)", -100.0, 1), ("Phone", 100.0, 1)],
        ),
        ("group_by=team", [("(none)", 0.0, 2), ("Billing", 100.0, 2), ("Tech", -50.0, 2)]),
        ("group_by=agent", [("(none)", 0.0, 2), ("ann", 100.0, 2), ("bob", -50.0, 2)]),
        (
            "group_by=property&property=plan",
            [("(none)", 0.0, 2), ("free", -50.0, 2), ("pro", 100.0, 2)],
        ),
    ],
)
def test_breakdowns(client: FlaskClient, api_key: str, query: str, expected: list[Any]) -> None:
    body = get(client, api_key, f"kind=nps&{query}").json
    assert values(body["groups"]) == expected


@pytest.mark.usefixtures("nps_answers")
def test_breakdown_by_survey_and_filter_by_survey(
    client: FlaskClient, api_key: str, answer: Answer
) -> None:
    survey_id = answer("nps", 9, at=day(2, 4)).survey_id
    body = get(client, api_key, "kind=nps&group_by=survey").json
    assert values(body["groups"]) == [("Net Promoter Score", pytest.approx(100 * 2 / 7), 7)]
    assert get(client, api_key, f"kind=nps&survey={survey_id}").json["figures"]["nps"]["n"] == 7


def test_no_responses_is_no_data(client: FlaskClient, api_key: str) -> None:
    body = get(client, api_key, "kind=ces").json
    assert body["figures"]["ces"] == {
        "value": None,
        "n": 0,
        "low": None,
        "high": None,
        "margin": None,
        "low_sample": False,
        "previous": {
            "value": None,
            "n": 0,
            "low": None,
            "high": None,
            "margin": None,
            "low_sample": False,
        },
        "change": None,
        "change_low": None,
        "change_high": None,
        "change_significant": None,
    }
    assert body["figures"]["ces_easy"]["value"] is None


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("", {"kind": "is required: one of csat, ces, nps"}),
        ("kind=xyz", {"kind": "must be one of csat, ces, nps"}),
        ("kind=nps&since=2026-13-01", {"since": "must be a date such as 2026-03-02"}),
        (
            "kind=nps&since=2026-03-02&until=2026-03-01",
            {"since": "must not be after the last day of the period"},
        ),
        (
            "kind=nps&since=2000-01-01&until=2026-03-01",
            {"since": "the range must be at most 3660 days"},
        ),
        ("kind=nps&interval=year", {"interval": "must be one of day, week, month"}),
        (
            "kind=nps&group_by=property",
            {"property": "is required to group by a customer property"},
        ),
        ("kind=nps&survey=x", {"survey": "must be a positive whole number"}),
        ("kind=nps&survey=99", {"survey": "there is no nps survey 99"}),
        (
            "kind=nps&group_by=colour&until=tomorrow",
            {
                "group_by": "must be one of channel, team, agent, survey, property",
                "until": "must be a date such as 2026-03-02",
            },
        ),
    ],
)
def test_bad_queries_name_each_bad_argument(
    client: FlaskClient, api_key: str, query: str, errors: dict[str, str]
) -> None:
    response = get(client, api_key, query)
    assert response.status_code == 422
    assert response.json == {
        "error": "invalid",
        "message": "invalid metrics query",
        "errors": errors,
    }


#: A line of the score tables (whose rows link to the responses behind them).
ROW = re.compile(
    r'<th scope="row"><a href="/dashboard/responses[^"]*">([^<]*)</a>'
    r'(?:<br><a class="agent-page" href="/me\?agent=\d+">Agent page.*?</a>)?</th>\s*'
    r'<td><span class="figure-value">([^<]*)</span>'
)


@pytest.mark.usefixtures("nps_answers")
def test_the_page_shows_the_api_numbers(
    client: FlaskClient, api_key: str, login: Callable[..., User]
) -> None:
    query = "kind=nps&interval=week&group_by=agent"
    body = get(client, api_key, query).json
    login("manager")
    page = client.get(f"/dashboard?{query}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    shown = ROW.findall(text)
    today = date(2026, 3, 2)
    expected = [
        (
            period_name(
                date.fromisoformat(line["since"]),
                date.fromisoformat(line["until"]),
                Interval.WEEK,
                today,
            ).full,
            format_value(line["figures"]["nps"]["value"], "points"),
        )
        for line in body["series"]
    ] + [
        (line["label"], format_value(line["figures"]["nps"]["value"], "points"))
        for line in body["groups"]
    ]
    assert shown == expected
    assert shown[0] == ("Week of 26 Jan 2026 (partial)", "No data")
    assert shown[1] == ("Week of 2 Feb 2026", "100.0")
    assert shown[5] == ("Week of 2 Mar 2026 (partial)", "0.0")
    nps = body["figures"]["nps"]
    assert (
        f'<h3>NPS</h3>\n  <p><span class="figure-value">{format_value(nps["value"], "points")}'
        f'</span>\n<span class="figure-meta">n = 6, ± {nps["margin"]:.1f}</span> '
        '<span class="low-sample">low sample</span></p>\n'
        '  <p class="change">-83.3 <span class="muted">vs previous period (100.0)</span></p>'
    ) in text


def test_the_page_is_for_managers_and_admins(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    assert client.get("/dashboard").status_code == 302
    login("agent")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/responses").status_code == 403
    assert client.get("/dashboard/export/responses.csv").status_code == 403


def test_admins_see_the_page_and_the_nav_link(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("admin")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert '<a href="/dashboard">Dashboard</a>' in page.text
    assert page.text.count("No data") >= 14


def test_bad_filters_on_the_page_are_explained(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = client.get("/dashboard?since=yesterday&kind=abc")
    assert page.status_code == 422
    assert "<li><strong>Survey kind</strong> must be one of csat, ces, nps</li>" in page.text
    assert "<li><strong>From</strong> must be a date such as 2026-03-02</li>" in page.text
