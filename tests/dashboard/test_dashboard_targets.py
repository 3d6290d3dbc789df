"""The dashboard's cards show each overall target with the figure's state against it, and
mark a change significant only when its 95% interval excludes zero; the chart draws the
headline figure's target and the move a week it needs."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date

import pytest
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Response, User
from feedback_app.targets.service import TargetInput, save_target
from surveys.retention import difference_of_proportions
from tests.dashboard.conftest import at
from tests.helpers import FrozenClock

Answer = Callable[..., Response]
PAGE = "/dashboard?since=2026-02-01&until=2026-03-02"


@pytest.fixture
def answers(answer: Answer) -> None:
    """30 CSAT answers of 5 this period and 15 of 5 and 15 of 1 the period before; two CES
    answers (5 and 7) this period."""
    for number in range(30):
        answer("csat", 5, at=at(10, 9, number))
        answer("csat", 5 if number % 2 else 1, at=at(10, 9, number, month=1))
    answer("ces", 5, at=at(11))
    answer("ces", 7, at=at(12))


@pytest.fixture
def targets(answers: None, clock: FrozenClock) -> None:
    save_target(TargetInput("csat", 80.0, date(2026, 3, 30)), clock.now)
    save_target(TargetInput("ces", 6.5, date(2026, 3, 23)), clock.now)
    save_target(TargetInput("fcr", 70.0, date(2026, 3, 23)), clock.now)
    db.session.commit()


def card(page: str, label: str) -> str:
    start = page.index(f"<h3>{label}</h3>")
    return page[start : page.index("</li>", start)]


@pytest.mark.usefixtures("targets")
def test_cards_show_the_target_and_its_state(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = html.unescape(client.get(PAGE).text)
    # 30 of 30 satisfied: Wilson 88.6% to 100%, wholly above 80%.
    csat = card(page, "CSAT")
    assert '<span class="figure-value">100.0%</span>' in csat
    assert "n = 30, ± 5.7 pts" in csat
    assert (
        '<p class="target">Target 80.0% by 2026-03-30: '
        '<strong class="target-state">met</strong></p>'
    ) in csat
    # 5 and 7: mean 6.00, interval 4.04 to 7 straddles 6.5; +0.50 in 3 weeks is +0.17 a week.
    ces = card(page, "CES (mean, 1-7)")
    assert (
        '<p class="target">Target 6.50 by 2026-03-23: <strong class="target-state">'
        'not yet distinguishable</strong> <span class="muted">(must move +0.17 a week)</span></p>'
    ) in ces
    # No interaction was resolved at first contact or not: no figure to judge.
    fcr = card(page, "First contact resolution")
    assert '<strong class="target-state">no data</strong>' in fcr
    assert "target" not in card(page, "NPS")


@pytest.mark.usefixtures("targets")
def test_a_change_is_significant_only_when_its_interval_excludes_zero(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = html.unescape(client.get(PAGE).text)
    d = difference_of_proportions(30, 30, 15, 30)
    assert d is not None and d.low > 0
    assert (
        f"<strong>Significant change</strong>: its 95% interval, +{d.low:.1f} pts to "
        f"+{d.high:.1f} pts, excludes zero"
    ) in card(page, "CSAT")
    # No CES answers the period before: nothing to compare.
    assert "significan" not in card(page, "CES (mean, 1-7)").lower()


@pytest.mark.usefixtures("targets")
def test_the_chart_draws_the_target_line_and_the_weekly_move(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = client.get(PAGE + "&kind=ces").text
    # The CES scale runs 1 to 7 over 212 px from y = 12: 6.5 sits at 12 + 212 * 0.5 / 6.
    assert '<line class="mark-line mark-target" x1="0" x2="100%" y1="29.7" y2="29.7"/>' in page
    assert ">Target 6.50 by 2026-03-23: +0.17 a week needed</text>" in page
    assert "mark-target" not in client.get(PAGE + "&kind=nps").text


def test_the_targets_page_reads_each_target_against_its_own_figure(
    client: FlaskClient, login: Callable[..., User], answer: Answer, clock: FrozenClock
) -> None:
    """A team's target against that team's figure of the last 30 days, an overall one
    against everyone's."""
    for _ in range(30):
        answer("csat", 5, team="Billing")
    answer("csat", 1, team="Sales")
    goals = (("csat", None, 99.0), ("csat", "Billing", 80.0), ("fcr", "Billing", 70.0))
    for kpi, team, value in goals:
        save_target(TargetInput(kpi, value, date(2026, 6, 30), team), clock.now)
    db.session.commit()
    login("manager")
    page = html.unescape(client.get("/admin/targets/").text)
    assert "Targets, against the figures of 2026-02-01 to 2026-03-02 (the last 30 days)" in page
    rows = re.findall(r'<tr id="target-\d+">(.*?)</tr>', page, re.S)
    overall, billing, fcr = (re.sub(r"\s+", " ", row) for row in rows)
    # 30 of 31 satisfied: 96.8%, Wilson 83.8% to 99.4%, which straddles 99%.
    assert '<td class="text" dir="auto">Overall</td>' in overall
    assert '<span class="figure-value">96.8%</span>' in overall
    assert "<td>not yet distinguishable</td>" in overall
    # Billing's 30 of 30: Wilson 88.6% to 100%, wholly above 80%.
    assert '<td class="text" dir="auto">Billing</td>' in billing
    assert '<span class="figure-value">100.0%</span>' in billing
    assert "<td>met</td>" in billing
    assert '<span class="figure-value">No data</span></td> <td>no data</td>' in fcr


@pytest.mark.usefixtures("answers")
def test_the_metrics_api_says_whether_each_change_is_significant(
    client: FlaskClient, api_key: str
) -> None:
    answer = client.get(
        "/api/v1/metrics?kind=csat&since=2026-02-01&until=2026-03-02",
        headers={"Authorization": f"Bearer {api_key}"},
    )
    csat = answer.json["figures"]["csat"]
    # 30/30 against 15/30; Wilson (0.886484, 1) and (0.331541, 0.668459), so Newcombe's
    # interval is 0.5 - √(0.113516² + 0.168459²) to 0.5 + √(0² + 0.168459²).
    assert csat["change"] == 50.0
    assert csat["change_low"] == pytest.approx(29.6865, abs=1e-3)
    assert csat["change_high"] == pytest.approx(66.8459, abs=1e-3)
    assert csat["change_significant"] is True
    ces = client.get(
        "/api/v1/metrics?kind=ces&since=2026-02-01&until=2026-03-02",
        headers={"Authorization": f"Bearer {api_key}"},
    ).json["figures"]["ces"]
    assert (ces["change"], ces["change_significant"]) == (None, None)
