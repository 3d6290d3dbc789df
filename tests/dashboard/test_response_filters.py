"""The staff responses list: its filters and comment search, its rows' links, its pages, the
export with the same filters, and bad filters named by their labels."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from urllib.parse import parse_qsl

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Agent, FollowUpCase, Response, Team, User
from tests.dashboard.conftest import at

Answer = Callable[..., Response]
FEB = "since=2026-02-01&until=2026-03-02"


@pytest.fixture
def listed(answer: Answer) -> dict[str, Response]:
    """Six responses of three kinds, by the name their customer shows as."""
    responses = {
        "Ada": answer(
            "nps", 10, at=at(3), channel="chat", team="Care", agent="ann", comment="Great reply"
        ),
        "Bea": answer(
            "nps",
            3,
            at=at(4),
            channel="email",
            team="Care",
            agent="bob",
            comment="Slow REPLY and 100% useless",
        ),
        "cy@example.com": answer("nps", 8, at=at(5), channel=None, email="cy@example.com"),
        "Dan": answer(
            "csat", 2, at=at(6), channel="email", team="Billing", agent="bob", comment="an_issue"
        ),
        "Eve": answer("ces", 6, at=at(7), channel="phone", comment="easy_going"),
        "Fay": answer("csat", 5, at=at(20, month=1), channel="email"),
    }
    for name, response in responses.items():
        assert response.customer is not None
        if "@" not in name:
            response.customer.name = name
    db.session.commit()
    return responses


def ids(model: type[Team] | type[Agent], column: sa.ColumnElement[str]) -> dict[str, int]:
    return {name: i for i, name in db.session.execute(sa.select(model.id, column))}


def cells(page: str) -> list[list[str]]:
    """Each listed row's cells as they read."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def customers(page: str) -> list[str]:
    """The customer of each listed row, in order."""
    return [row[5] for row in cells(page) if len(row) > 1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (FEB, ["Eve", "Dan", "cy@example.com", "Bea", "Ada"]),
        ("since=2026-01-01", ["Eve", "Dan", "cy@example.com", "Bea", "Ada", "Fay"]),
        ("since=2026-02-05&until=2026-02-06", ["Dan", "cy@example.com"]),
        (f"{FEB}&score=3", ["Bea"]),
        (f"{FEB}&score=2-6", ["Eve", "Dan", "Bea"]),
        (f"{FEB}&score= 8 - 10 &kind=nps", ["cy@example.com", "Ada"]),
        (f"{FEB}&kind=nps", ["cy@example.com", "Bea", "Ada"]),
        (f"{FEB}&kind=nps&bucket=promoter", ["Ada"]),
        (f"{FEB}&kind=nps&bucket=passive", ["cy@example.com"]),
        (f"{FEB}&bucket=unsatisfied", ["Dan"]),
        (f"{FEB}&kind=ces&bucket=satisfied", ["Eve"]),
        (f"{FEB}&has_comment=yes", ["Eve", "Dan", "Bea", "Ada"]),
        (f"{FEB}&has_comment=no", ["cy@example.com"]),
        (f"{FEB}&channel=email", ["Dan", "Bea"]),
        (f"{FEB}&channel=Phone", ["Eve"]),
        (f"{FEB}&channel=none", ["cy@example.com"]),
        (FEB + "&team={Care}", ["Bea", "Ada"]),
        (f"{FEB}&team=none", ["Eve", "cy@example.com"]),
        (FEB + "&agent={bob}", ["Dan", "Bea"]),
        (f"{FEB}&agent=none", ["Eve", "cy@example.com"]),
        (FEB + "&kind=nps&channel=email&has_comment=yes&team={Care}", ["Bea"]),
        # What an "Any" of the form sends does not filter.
        (
            f"{FEB}&kind=&bucket=&score=&channel=&team=&agent=&q=",
            ["Eve", "Dan", "cy@example.com", "Bea", "Ada"],
        ),
    ],
)
def test_each_filter_lists_exactly_its_responses(
    client: FlaskClient,
    login: Callable[..., User],
    listed: dict[str, Response],
    query: str,
    expected: list[str],
) -> None:
    login("manager")
    names = {**ids(Team, Team.name), **ids(Agent, Agent.name)}
    page = client.get(f"/dashboard/responses?{query.format(**names)}")
    assert page.status_code == 200
    assert customers(page.text) == expected
    assert f"{len(expected)} in all." in page.text


def test_the_survey_filter(
    client: FlaskClient, login: Callable[..., User], listed: dict[str, Response]
) -> None:
    login("manager")
    survey = listed["Dan"].survey_id
    page = client.get(f"/dashboard/responses?{FEB}&survey={survey}")
    assert customers(page.text) == ["Dan"]
    assert f'<option value="{survey}" selected>' in page.text


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("reply", ["Bea", "Ada"]),
        ("REPLY slow", ["Bea"]),
        ("  useless   slow ", ["Bea"]),
        ("reply fast", []),
        ("100%", ["Bea"]),
        ("%", ["Bea"]),
        ("Slow%useless", []),
        ("_", ["Eve", "Dan"]),
        ("n_i", ["Dan"]),
        ("s_ow", []),
        ("\\", []),
    ],
)
def test_search_finds_comments_holding_every_word(
    client: FlaskClient,
    login: Callable[..., User],
    listed: dict[str, Response],
    search: str,
    expected: list[str],
) -> None:
    """A ``%`` or ``_`` typed is looked for as itself, never as a wildcard."""
    login("manager")
    page = client.get("/dashboard/responses", query_string=f"{FEB}&q=" + search.replace("%", "%25"))
    assert page.status_code == 200
    assert customers(page.text) == expected
    assert f'<input type="search" id="q" name="q" value="{html.escape(search)}"' in page.text


def test_each_row_shows_its_customer_and_links_its_interaction_and_case(
    client: FlaskClient, login: Callable[..., User], listed: dict[str, Response]
) -> None:
    login("manager")
    bea, ada = listed["Bea"], listed["Ada"]
    case = db.session.scalar(sa.select(FollowUpCase.id).where(FollowUpCase.response_id == bea.id))
    assert case is not None
    assert not db.session.scalar(
        sa.select(FollowUpCase.id).where(FollowUpCase.response_id == ada.id)
    )
    page = client.get(f"/dashboard/responses?{FEB}&kind=nps&channel=email").text
    assert (
        '<tr><td><time datetime="2026-02-04T09:00:00+00:00">2026-02-04 09:00 UTC</time></td>'
        "<td>NPS</td><td>3</td><td>detractor</td>"
        '<td class="text comment" dir="auto">Slow REPLY and 100% useless</td>\n'
        '      <td class="text" dir="auto">Bea</td><td>Email</td>'
        '<td class="text" dir="auto">Care</td><td class="text" dir="auto">bob</td>\n'
        f'      <td class="text"><a href="/review/interactions/{bea.interaction_id}">'
        f"{bea.interaction.external_id}</a></td>"
        f'<td><a href="/followups/{case}">Case {case}</a></td></tr>'
    ) in page
    assert cells(client.get(f"/dashboard/responses?{FEB}&channel=none").text) == [
        [
            "2026-02-05 09:00 UTC",
            "NPS",
            "8",
            "passive",
            "",
            "cy@example.com",
            "—",
            "—",
            "—",
            "—",
            "—",
        ]
    ]
    assert cells(client.get(f"/dashboard/responses?{FEB}&kind=nps&bucket=promoter").text)[0][
        9:
    ] == [
        ada.interaction.external_id,
        "—",
    ]
    assert client.get(f"/review/interactions/{bea.interaction_id}").status_code == 200
    assert client.get(f"/followups/{case}").status_code == 200


def test_ces_buckets_are_chosen_by_effort(
    client: FlaskClient, login: Callable[..., User], listed: dict[str, Response]
) -> None:
    login("manager")
    ces = client.get(f"/dashboard/responses?{FEB}&kind=ces&bucket=satisfied").text
    assert (
        '<select id="bucket" name="bucket"><option value="">Any</option>'
        '<option value="satisfied" selected>Easy</option>'
        '<option value="unsatisfied">Difficult</option></select>'
    ) in ces
    assert cells(ces)[0][3] == "easy"
    every = client.get(f"/dashboard/responses?{FEB}").text
    assert (
        '<option value="satisfied">Satisfied (CSAT) or easy (CES)</option>'
        '<option value="unsatisfied">Unsatisfied (CSAT) or difficult (CES)</option>'
    ) in every


def test_paging_keeps_the_filters(
    client: FlaskClient, login: Callable[..., User], answer: Answer
) -> None:
    for number in range(60):
        answer(
            "csat", 1 + number % 2, at=at(1 + number % 28, number % 24), comment=f"wait {number}"
        )
    answer("csat", 1, at=at(2), comment="another thing")
    db.session.commit()
    login("manager")
    query = f"{FEB}&score=1&q=wait"
    link = f"/dashboard/responses?{query.replace('&', '&amp;')}&amp;page="
    page = client.get(f"/dashboard/responses?{query}&page=2").text
    assert "<span>Page 2 of 2 (30 in all)</span>" in page
    assert f'<a href="{link}1" rel="prev">Previous</a>' in page
    assert len(customers(page)) == 5
    first = client.get(f"/dashboard/responses?{query}").text
    assert "<span>Page 1 of 2 (30 in all)</span>" in first
    assert f'<a href="{link}2" rel="next">Next</a>' in first
    assert '<input type="text" id="score" name="score" value="1"' in first


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_takes_the_same_filters(
    client: FlaskClient, login: Callable[..., User], listed: dict[str, Response]
) -> None:
    login("manager")
    page = client.get(f"/dashboard/responses?{FEB}&has_comment=yes&q=reply&score=0-9")
    assert (
        '<a href="/dashboard/export/responses.csv?since=2026-02-01&amp;until=2026-03-02'
        '&amp;has_comment=yes&amp;q=reply&amp;score=0-9">Download as CSV</a>'
    ) in page.text
    export = client.get(
        "/dashboard/export/responses.csv?" + FEB + "&has_comment=yes&q=reply&score=0-9"
    )
    assert export.status_code == 200
    assert [(row["id"], row["score"], row["comment"]) for row in read_csv(export.text)] == [
        (str(listed["Bea"].id), "3", "Slow REPLY and 100% useless")
    ]
    every = client.get(f"/dashboard/export/responses.csv?{FEB}&q=_&channel=")
    assert [row["comment"] for row in read_csv(every.text)] == ["easy_going", "an_issue"]
    bad = client.get(f"/dashboard/export/responses.csv?{FEB}&score=11")
    assert bad.status_code == 422
    assert "<li><strong>Score</strong> must be between 0 and 10</li>" in bad.text


@pytest.mark.parametrize(
    ("query", "label", "message"),
    [
        ("score=٣", "Score", "must be a score such as 9 or a range such as 0-6"),
        ("score=²", "Score", "must be a score such as 9 or a range such as 0-6"),
        ("score=" + "9" * 5000, "Score", "must be between 0 and 10"),
        ("score=" + "9" * 30 + "-1", "Score", "must be between 0 and 10"),
        ("score=1-2-3", "Score", "must be a score such as 9 or a range such as 0-6"),
        ("score=-3", "Score", "must be a score such as 9 or a range such as 0-6"),
        ("score=9-3", "Score", "must go from the lower score to the higher one, such as 0-6"),
        ("kind=csat&score=4-7", "Score", "must be from 1 to 5 on the CSAT scale"),
        ("since=2026-02-30", "From", "must be a date such as 2026-03-02"),
        ("since=2026-0\u0662-01", "From", "must be a date such as 2026-03-02"),
        ("until=9999-01-01", "To", "must be in the years 1970 to 2999"),
        (
            "since=2026-03-01&until=2026-02-01",
            "From",
            "must not be after the last day of the period",
        ),
        ("kind=xps", "Kind", "must be one of csat, ces, nps"),
        ("survey=999", "Survey", "there is no such survey 999"),
        ("survey=" + "9" * 5000, "Survey", "must be between 1 and 2147483647"),
        (
            "kind=csat&bucket=promoter",
            "Bucket",
            "is not a bucket of csat; expected one of satisfied, unsatisfied",
        ),
        ("has_comment=maybe", "Comment", "must be one of yes, no"),
        ("team=٣", "Team", "must be a positive whole number"),
        ("agent=" + "9" * 5000, "Agent", "must be between 1 and 2147483647"),
        ("q=" + "x" * 201, "Search comments", "must be at most 200 characters"),
    ],
)
def test_a_bad_filter_is_named_by_its_label_and_the_others_are_kept(
    client: FlaskClient,
    login: Callable[..., User],
    listed: dict[str, Response],
    query: str,
    label: str,
    message: str,
) -> None:
    login("manager")
    args = {"channel": "email", "score": "0-9", "q": "reply", **dict(parse_qsl(query))}
    page = client.get("/dashboard/responses", query_string=args)
    assert page.status_code == 422
    assert f"<li><strong>{label}</strong> {message}</li>" in page.text
    assert '<option value="Email" selected>Email</option>' in page.text
    for name in ("score", "q"):
        assert f'name="{name}" value="{html.escape(args[name])}"' in page.text
    assert "<tbody>" not in page.text


def test_search_folds_the_case_of_every_letter(
    client: FlaskClient, login: Callable[..., User], answer: Answer
) -> None:
    """SQLite's own lower() folds ASCII only; the search folds "É" as PostgreSQL does."""
    answer("csat", 2, at=at(3), comment="L'ÉCOLE était FERMÉE", email="eco@example.com")
    answer("csat", 2, at=at(4), comment="Ecole fermee", email="plain@example.com")
    db.session.commit()
    login("manager")
    for search, expected in [
        ("école fermée", ["eco@example.com"]),
        ("ÉTAIT", ["eco@example.com"]),
        ("ecole", ["plain@example.com"]),
    ]:
        page = client.get("/dashboard/responses", query_string={"q": search, "since": "2026-02-01"})
        assert customers(page.text) == expected, search


@pytest.mark.parametrize("group_by", ["channel", "team", "agent"])
def test_the_dashboards_drill_links_still_list_their_responses(
    client: FlaskClient, login: Callable[..., User], listed: dict[str, Response], group_by: str
) -> None:
    login("manager")
    board = client.get(f"/dashboard?kind=nps&{FEB}&interval=week&group_by={group_by}").text
    links = [
        html.unescape(link)
        for link in re.findall(r'href="(/dashboard/responses\?[^"]+)"', board)
        if f"&{group_by}=" in html.unescape(link)
    ]
    assert links
    listed_by_group = []
    for link in links:
        page = client.get(link)
        assert page.status_code == 200, link
        listed_by_group += customers(page.text)
    assert sorted(listed_by_group) == ["Ada", "Bea", "cy@example.com"]
    export = client.get(f"/dashboard/export/responses.csv?kind=nps&{FEB}")
    assert len(read_csv(export.text)) == 3
