"""My feedback (``/me``): an agent's own figures against hand-computed values, their team's
beside them, and never another agent's."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Response, User
from feedback_app.services.support.settling import settle_interactions
from tests.dashboard.conftest import at, interaction

Answer = Callable[..., Response]


@pytest.fixture
def team_of_two(answer: Answer, clock: Any) -> dict[str, int]:
    """Ann and Bob of Support, Cat of Sales; answers and tickets in February 2026 (the 30
    days up to 2 March are 1 February to 2 March)."""
    for score, comment in ((5, ""), (4, "Ann was quick"), (2, "")):
        answer("csat", score, at=at(10), team="Support", agent="ann", comment=comment)
    answer("csat", 5, at=at(11), team="Support", agent="bob")
    answer("csat", 1, at=at(12), team="Support", agent="bob", comment="Bob was rude")
    answer("csat", 1, at=at(12), team="Sales", agent="cat", comment="Cat never replied")
    answer("nps", 10, at=at(13), team="Support", agent="ann")
    answer("nps", 6, at=at(13), team="Support", agent="ann")
    answer("ces", 6, at=at(14), team="Support", agent="ann")
    answer("csat", 5, at=at(20, month=1), team="Support", agent="ann")
    ann, bob = (db.session.scalar(sa.select(Agent).filter_by(name=n)) for n in ("ann", "bob"))
    assert ann is not None and bob is not None
    support = ann.team
    customer = Customer(email="tickets@example.com", created_at=at(1), updated_at=at(1))
    for number, (agent, first_contact, seconds) in enumerate(
        [(ann, True, 600), (ann, False, 1200), (bob, True, 300)]
    ):
        interaction(
            customer, 100 + number, "phone", at(15 + number), agent=agent, team=support,
            resolved_at=at(15 + number, 10), first_contact_resolved=first_contact,
            handle_seconds=seconds,
        )  # fmt: skip
    db.session.commit()
    settle_interactions()
    return {"ann": ann.id, "bob": bob.id}


def cards(page: str) -> dict[str, str]:
    """Each figure's card as its text, by its heading."""
    found = re.findall(r'<li class="card[^"]*">\s*<h3>([^<]+)</h3>(.*?)</li>', page, re.S)
    return {title: " ".join(re.sub(r"<[^>]+>", " ", html.unescape(body)).split())
            for title, body in found}  # fmt: skip


#: Ann's figures by hand: CSAT 2 of 3 satisfied (5, 4, 2), 1 of 1 in January; NPS one
#: promoter and one passive of 2; CES 6; FCR 1 of 2; handle (600 + 1200) / 2 s. Support's:
#: CSAT 3 of 5, FCR 2 of 3, handle (600 + 1200 + 300) / 3 = 700 s.
ANN = {
    "CSAT": "66.7% n = 3, ± 36.5 pts low sample -33.3 pts vs previous period (100.0%)"
    " Team: 60.0% n = 5, ± 32.6 pts low sample",
    "CES (mean, 1-7)": "6.00 n = 1 low sample no comparison vs previous period (No data)"
    " Team: 6.00 n = 1 low sample",
    "NPS": "0.0 n = 2, ± 100.0 low sample no comparison vs previous period (No data)"
    " Team: 0.0 n = 2, ± 100.0 low sample",
    "First contact resolution": "50.0% n = 2, ± 40.5 pts low sample no comparison vs previous"
    " period (No data) Team: 66.7% n = 3, ± 36.5 pts low sample",
    "Average handle time": "15 min n = 2, 5 min to 24 min low sample no comparison vs previous"
    " period (No data) Team: 11 min n = 3, 3 min to 20 min low sample",
}


def text_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(page)).split())


def test_an_agent_sees_their_figures_their_teams_their_trend_and_their_comments(
    client: FlaskClient, login: Callable[..., User], team_of_two: dict[str, int]
) -> None:
    login("agent", email="ann@example.com")

    page = client.get("/me")

    assert page.status_code == 200
    assert cards(page.text) == ANN
    text = text_of(page.text)
    assert "2026-02-01 to 2026-03-02 (30 days, UTC)" in text
    assert "beside the figures of the team Support" in text
    # The week of 9 February: the three CSAT answers, both NPS, the CES, the first ticket.
    assert (
        "2026-W07 66.7% n = 3, ± 36.5 pts low sample 6.00 n = 1 low sample 0.0 n = 2, ± 100.0"
        " low sample 100.0% n = 1, ± 39.7 pts low sample 10 min n = 1 low sample 2026-W08"
        " No data No data No data 0.0% n = 1, ± 39.7 pts low sample 20 min n = 1 low sample"
    ) in text
    assert "2026-W04 100.0% n = 1, ± 39.7 pts low sample No data" in text
    # Twelve whole weeks from Monday, the last one this week (Monday 2 March) so far.
    weeks = re.findall(r'<tr><th scope="row">(\d{4}-W\d\d)</th>', page.text)
    assert weeks == ["2025-W51", "2025-W52", *(f"2026-W{n:02d}" for n in range(1, 11))]
    assert "Ann was quick" in text
    assert "Bob was rude" not in text and "Cat never replied" not in text
    assert '<a href="/review/">All your comments in the review queue</a>' in page.text
    assert re.search(r'href="/review/interactions/\d+">Review it', page.text)
    assert '<a href="/me">My feedback</a>' in page.text


@pytest.mark.parametrize(
    "query",
    [
        {"agent": "{ann}"},
        {"agent": "{ann}", "team": "1"},
        {"agent": ["{bob}", "{ann}"]},
    ],
)
def test_an_agent_asking_for_another_agents_figures_is_refused(
    client: FlaskClient,
    login: Callable[..., User],
    team_of_two: dict[str, int],
    query: dict[str, Any],
) -> None:
    login("agent", email="bob@example.com")
    args = {
        key: [v.format(**team_of_two) for v in value]
        if isinstance(value, list)
        else value.format(**team_of_two)
        for key, value in query.items()
    }

    page = client.get("/me", query_string=args)

    if page.status_code == 200:  # the first of repeated values is read: Bob's own
        assert args["agent"][0] == str(team_of_two["bob"])
        assert "Ann was quick" not in page.text and "66.7% n = 3" not in page.text
        assert "Bob was rude" in page.text
    else:
        assert page.status_code == 403
        assert "Agents see their own figures only." in page.text
        assert "Ann was quick" not in page.text and "66.7%" not in page.text


@pytest.mark.parametrize(
    "query", [{}, {"agent_id": "{ann}"}, {"email": "ann@example.com"}, {"team": "{ann}"}]
)
def test_other_parameters_never_show_an_agent_anyone_elses_figures(
    client: FlaskClient,
    login: Callable[..., User],
    team_of_two: dict[str, int],
    query: dict[str, str],
) -> None:
    login("agent", email="bob@example.com")

    page = client.get("/me", query_string={k: v.format(**team_of_two) for k, v in query.items()})

    assert page.status_code == 200
    found = cards(page.text)
    # Bob: CSAT 1 of 2 (5, 1); FCR 1 of 1; handle 300 s.
    assert found["CSAT"].startswith("50.0% n = 2,")
    assert found["First contact resolution"].startswith("100.0% n = 1,")
    assert found["Average handle time"].startswith("5 min n = 1 ")
    assert "Ann was quick" not in page.text
    assert "Bob was rude" in page.text


def test_managers_open_any_agents_page_from_the_dashboards_agent_table(
    client: FlaskClient, login: Callable[..., User], team_of_two: dict[str, int]
) -> None:
    login("manager")
    dashboard = client.get("/dashboard?group_by=agent&support_by=agent&since=2026-02-01")
    links = re.findall(r'<a class="agent-page" href="([^"]+)"', dashboard.text)
    ann = f"/me?agent={team_of_two['ann']}"
    # Once in the CSAT table and once in the support table, for each of the three agents.
    assert links.count(ann) == 2 and len(links) == 6

    page = client.get(ann)

    assert page.status_code == 200
    assert cards(page.text) == ANN
    assert "Feedback of ann" in text_of(page.text)
    assert "All your comments in the review queue" not in page.text
    assert client.get("/me?agent=999999").status_code == 404


@pytest.mark.parametrize("raw", ["two", "0", "-1", "9" * 30, "²"])
def test_a_malformed_agent_id_is_a_422_naming_the_field(
    client: FlaskClient, login: Callable[..., User], raw: str
) -> None:
    login("manager")
    page = client.get("/me", query_string={"agent": raw})
    assert page.status_code == 422
    assert "<li><strong>Agent</strong> " in page.text
    assert '<a href="/me">Reset the filters</a>' in page.text


def test_a_user_who_is_no_helpdesk_agent_is_told_so(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("agent", email="new@example.com")
    page = client.get("/me")
    assert page.status_code == 200
    assert "No helpdesk agent has your email address (new@example.com)" in page.text
