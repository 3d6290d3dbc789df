"""Reference lines: the chosen industry's published CSAT and FCR and the general lines, each
with its source named on the dashboard and drawn on the chart; a wrong industry stops
start-up."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from feedback_app import create_app
from feedback_app.config import ConfigError
from feedback_app.models import Response, User
from surveys.references import ACSI, GENERAL, INDUSTRIES, SQM, references
from tests.dashboard.conftest import at

PAGE = "/dashboard?since=2026-02-01&until=2026-03-02"
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "INDUSTRY": "internet_retail"}


def test_the_industry_comes_first_then_the_general_lines() -> None:
    assert [(r.kpi, r.label, r.low, r.high) for r in references("internet_retail")] == [
        ("csat", "CSAT, Internet Retail (ACSI score)", 81, 81),
        ("fcr", "FCR, Retail call centres (SQM)", 78, 78),
        ("fcr", "Good FCR (SQM standard)", 70, 79),
        ("fcr", "World-class FCR (SQM standard)", 80, 80),
        ("fcr", "FCR of inquiry calls (SQM call reason)", 74, 74),
        ("nps", "Strong NPS", 60, 70),
        ("ces", "Good CES for eCommerce", 5.0, 5.5),
    ]
    assert references("") == list(GENERAL)
    # An industry SQM reports on but the ACSI does not: its FCR only.
    assert references("insurance")[0].label == "FCR, Insurance call centres (SQM)"
    assert references("insurance")[1:] == list(GENERAL)


def test_the_readme_lists_every_industry() -> None:
    row = next(line for line in README.read_text().splitlines() if "`FEEDBACK_INDUSTRY`" in line)
    assert re.findall(r"`([a-z_]+)`", row) == list(INDUSTRIES)


def test_a_wrong_industry_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        create_app({"INDUSTRY": "retail"}, instance_path=str(tmp_path))
    assert "FEEDBACK_INDUSTRY must be empty or one of airlines, apparel, banks" in str(error.value)


def test_the_dashboard_names_each_line_and_its_source(
    client: FlaskClient, login: Callable[..., User], answer: Callable[..., Response]
) -> None:
    for number in range(4):
        answer("csat", 5 if number else 2, at=at(10, 9, number))
    login("manager")
    page = html.unescape(client.get(PAGE).text)
    section = page[page.index('<h2 id="references-heading">') :]
    section = section[: section.index("</section>")]
    assert (
        '<tr><th scope="row">CSAT, Internet Retail (ACSI score)</th><td>81.0%</td><td>'
        '<span class="figure-value">75.0%</span>'
    ) in section
    assert f'<td class="text"><a href="{ACSI.url}">{ACSI.name}</a></td>' in section
    assert f'<a href="{SQM.url}">{SQM.name}</a>' in section
    assert "<td>60.0 to 70.0</td>" in section
    assert "<td>5.00 to 5.50</td>" in section
    assert "choose your industry" not in section
    # The charted CSAT's reference line, with its value.
    assert ">CSAT, Internet Retail (ACSI score): 81.0%</text>" in page
    nps_chart = html.unescape(client.get(PAGE + "&kind=nps").text)
    assert '<rect class="mark-band mark-reference"' in nps_chart
    assert ">Strong NPS: 60.0 to 70.0</text>" in nps_chart
