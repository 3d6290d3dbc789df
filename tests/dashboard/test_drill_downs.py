"""Drill-downs from the support and follow-up figures to the interactions and cases behind
them."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.channels.labels import Labeller
from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Response, User
from tests.dashboard.conftest import at, update_case
from tests.helpers import FrozenClock

Answer = Callable[..., Response]
FEB = "since=2026-02-01&until=2026-03-02"


def card_links(page: str) -> dict[str, tuple[str | None, str]]:
    """Each linked card's label -> (the n it shows, or None for no data; its drill-down)."""
    links = {}
    for card in re.findall(r'<li class="card[^"]*">(.*?)</li>', page, re.S):
        label = re.search(r"<h3>([^<]+)</h3>", card)
        n = re.search(r"n = (\d+)", card)
        href = re.search(r'<a href="([^"]+)">\w+ behind', card)
        assert label, card
        if href:
            links[label[1]] = (n[1] if n else None, html.unescape(href[1]))
    return links


def rows(page: str) -> list[str]:
    """The ticket ids listed, in order."""
    return re.findall(r'<tr><th scope="row" class="text">([^<]+)</th>', page)


@pytest.mark.usefixtures("interactions")
def test_every_support_card_lists_as_many_interactions_as_its_n(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    links = card_links(client.get(f"/dashboard?{FEB}").text)
    expected = {
        "First contact resolution": ("3", ["X-3", "X-2", "X-1"]),
        "Average handle time": ("2", ["X-2", "X-1"]),
        "Time to resolution (median)": ("3", ["X-3", "X-2", "X-1"]),
        "Time to resolution (mean)": ("3", ["X-3", "X-2", "X-1"]),
        "First response time (median)": ("2", ["X-2", "X-1"]),
        "First response time (mean)": ("2", ["X-2", "X-1"]),
    }
    for label, (n, tickets) in expected.items():
        shown_n, href = links[label]
        assert href.startswith("/dashboard/interactions?figure="), label
        page = client.get(href)
        assert page.status_code == 200
        assert (shown_n, rows(page.text)) == (n, tickets), label
        assert f"{n} in all." in page.text


@pytest.mark.usefixtures("interactions")
def test_fcr_drill_down_shows_each_verdict(client: FlaskClient, login: Callable[..., User]) -> None:
    login("manager")
    text = client.get(f"/dashboard/interactions?figure=fcr&{FEB}").text
    assert (
        '<tr><th scope="row" class="text">X-1</th><td>Email</td><td class="text">Ann</td>'
        '<td class="text">Support</td>\n'
        '      <td><time datetime="2026-02-10T09:00:00+00:00">2026-02-10 09:00 UTC</time></td>'
        '<td><time datetime="2026-02-10T09:30:00+00:00">2026-02-10 09:30 UTC</time></td>'
        '<td><time datetime="2026-02-10T11:00:00+00:00">2026-02-10 11:00 UTC</time></td>\n'
        "      <td>10 min</td>\n"
        '      <td>No: came back <time datetime="2026-02-12T09:00:00+00:00">'
        "2026-02-12 09:00 UTC</time></td>\n"
        "      <td>—</td></tr>"
    ) in text
    assert "<td>20 min</td>\n      <td>Yes</td>" in text
    assert "<td>—</td>\n      <td>Yes (helpdesk)</td>" in text


@pytest.mark.usefixtures("interactions")
@pytest.mark.parametrize(
    ("query", "tickets"),
    [
        (f"figure=fcr&{FEB}&channel=chat", ["X-2"]),
        (f"figure=fcr&{FEB}&team=none", ["X-3", "X-2"]),
        (f"figure=volume&{FEB}&channel=email", ["X-1"]),
        ("figure=volume&since=2026-01-01&until=2026-01-31", ["X-4"]),
        ("figure=fcr&since=2026-01-01&until=2026-01-31", []),
        # An empty field of the filter form does not filter.
        (f"figure=handle_time&{FEB}&channel=&team=&agent=", ["X-2", "X-1"]),
    ],
)
def test_interaction_filters(
    client: FlaskClient, login: Callable[..., User], query: str, tickets: list[str]
) -> None:
    login("manager")
    page = client.get(f"/dashboard/interactions?{query}")
    assert page.status_code == 200
    assert rows(page.text) == tickets
    if not tickets:
        assert "No interactions match." in page.text


@pytest.mark.usefixtures("interactions")
def test_interactions_by_team_and_agent(client: FlaskClient, login: Callable[..., User]) -> None:
    login("manager")
    page = client.get(f"/dashboard/interactions?figure=fcr&{FEB}").text
    team = re.search(r'<option value="(\d+)">Support</option>', page)
    agent = re.search(r'<option value="(\d+)">Ann</option>', page)
    assert team and agent
    for key, value in (("team", team[1]), ("agent", agent[1])):
        text = client.get(f"/dashboard/interactions?figure=fcr&{FEB}&{key}={value}").text
        assert rows(text) == ["X-1"]
        assert f'<option value="{value}" selected>' in text


def test_an_answered_interaction_links_to_its_responses(
    client: FlaskClient, login: Callable[..., User], answer: Answer
) -> None:
    first = answer("csat", 4, at=at(3), email="same@example.com")
    db.session.commit()
    login("manager")
    text = client.get(f"/dashboard/interactions?figure=volume&{FEB}").text
    link = f'<a href="/review/interactions/{first.interaction_id}">CSAT 4</a>'
    assert link in text
    assert client.get(f"/review/interactions/{first.interaction_id}").status_code == 200


def test_bad_interaction_filters_are_named(
    client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    login("manager")
    for name in ("email", "Social_media"):
        Labeller(clock.now)(name)
    db.session.commit()
    page = client.get("/dashboard/interactions?figure=speed&channel=none&team=x")
    assert page.status_code == 422
    assert (
        "<li><strong>Interactions</strong> must be one of fcr, handle_time, resolution, "
        "first_response, volume, abandoned</li>"
    ) in page.text
    assert "<li><strong>Channel</strong> must be one of Email, Social media</li>" in page.text
    assert "<li><strong>Team</strong> must be a positive whole number</li>" in page.text


@pytest.mark.parametrize("role", ["agent", None])
def test_only_managers_see_drill_downs(
    client: FlaskClient, login: Callable[..., User], role: str | None
) -> None:
    if role:
        login(role)
    page = client.get("/dashboard/interactions")
    assert page.status_code == (403 if role else 302)


def test_admins_see_drill_downs(client: FlaskClient, login: Callable[..., User]) -> None:
    login("admin")
    assert client.get("/dashboard/interactions").status_code == 200


def test_followup_cards_list_the_cases_opened_in_the_period(
    client: FlaskClient, login: Callable[..., User], answer: Answer
) -> None:
    first, second = answer("csat", 1, at=at(3)), answer("csat", 2, at=at(4))
    january = answer("csat", 1, at=at(20, month=1))
    update_case(first, first_contact_at=at(3, 12))
    db.session.commit()
    login("manager")
    links = card_links(client.get(f"/dashboard?{FEB}").text)
    n, href = links["Follow-ups contacted within deadline"]
    assert href == "/followups/?status=all&opened_from=2026-02-01&opened_to=2026-03-02"
    assert n == "2"
    page = client.get(href).text
    assert "2 in all." in page
    cases = {int(i) for i in re.findall(r'<a href="/followups/(\d+)" class="row-link">#', page)}
    assert cases == {case_id(first), case_id(second)}
    assert case_id(january) not in cases
    _, resolved = links["Follow-up time to resolution (median)"]
    assert resolved == "/followups/?status=resolved&opened_from=2026-02-01&opened_to=2026-03-02"
    assert "No cases match these filters." in client.get(resolved).text


def case_id(response: Response) -> int | None:
    return db.session.scalar(
        sa.select(FollowUpCase.id).where(FollowUpCase.response_id == response.id)
    )


def test_triage_refuses_a_bad_opening_date(client: FlaskClient, login: Callable[..., User]) -> None:
    login("manager")
    page = client.get("/followups/?opened_from=yesterday")
    assert page.status_code == 422
    assert "Not a valid date value." in page.text
