"""Bad dashboard filters are named by the form's labels, and the form comes back with the
user's other choices as they made them."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Customer, User
from tests.helpers import FrozenClock


def summary(html: str) -> list[str]:
    box = html[html.index('<div class="flash flash-error" role="alert">') :]
    return re.findall(r"<li>(.*?)</li>", box[: box.index("</ul>")])


def selected(html: str, name: str) -> list[str]:
    select = html[html.index(f'<select id="{name}"') :]
    return re.findall(r'<option value="([^"]*)" selected>', select[: select.index("</select>")])


def test_bad_filters_are_named_by_their_labels_and_the_rest_stays_chosen(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = client.get(
        "/dashboard?kind=nps&since=2026-03-05&until=2026-03-01&interval=month"
        "&group_by=property&property=&support_by=team"
    )
    assert page.status_code == 422
    assert summary(page.text) == [
        "<strong>From</strong> must not be after the last day of the period",
        "<strong>Customer property</strong> is required to group by a customer property",
    ]
    assert "<strong>since</strong>" not in page.text
    assert selected(page.text, "kind") == ["nps"]
    assert selected(page.text, "interval") == ["month"]
    assert selected(page.text, "group_by") == ["property"]
    assert selected(page.text, "support_by") == ["team"]
    assert (
        '<input type="date" id="since" name="since" value="2026-03-05" '
        'aria-describedby="since-error" aria-invalid="true">'
        '<small class="field-error" id="since-error">'
        "must not be after the last day of the period</small>"
    ) in page.text
    assert '<input type="date" id="until" name="until" value="2026-03-01">' in page.text
    assert (
        '<input type="text" id="property" name="property" value="" list="property-names" '
        'aria-describedby="property-help property-error" aria-invalid="true">'
    ) in page.text
    assert "Survey scores" not in page.text


def test_an_unknown_choice_keeps_the_typed_text_and_the_defaults(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = client.get("/dashboard?kind=xps&property=plan+%3Cb%3E")
    assert page.status_code == 422
    [problem] = summary(page.text)
    assert problem.startswith("<strong>Survey kind</strong> ")
    assert selected(page.text, "kind") == []
    assert selected(page.text, "interval") == ["week"]
    assert selected(page.text, "group_by") == ["channel"]
    assert (
        'name="property" value="plan &lt;b&gt;" list="property-names"'
        ' aria-describedby="property-help">'
    ) in page.text


def test_the_kpi_export_refuses_with_the_same_page(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = client.get("/dashboard/export/kpis.csv?kind=nps&survey=0")
    assert page.status_code == 422
    assert summary(page.text) == ["<strong>Survey</strong> must be a positive whole number"]
    assert selected(page.text, "kind") == ["nps"]


def test_bad_interaction_filters_keep_the_form(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = client.get(
        "/dashboard/interactions?figure=volume&since=2026-02-01&agent=%C2%B2&team=none"
    )
    assert page.status_code == 422
    assert summary(page.text) == ["<strong>Agent</strong> must be a positive whole number"]
    assert selected(page.text, "figure") == ["volume"]
    assert selected(page.text, "team") == ["none"]
    assert '<input type="date" id="since" name="since" value="2026-02-01">' in page.text
    assert (
        '<select id="agent" name="agent" aria-describedby="agent-error" aria-invalid="true">'
        in page.text
    )
    assert "No interactions match." not in page.text


def test_the_property_field_offers_the_known_property_names(
    app: Flask, client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    """The declared segments first, then the names the latest customers carry."""
    app.config["SEGMENTS"] = ["region"]
    for number, properties in enumerate(({"plan": "Gold", "Country": "FR"}, {"plan": "Free"}, {})):
        db.session.add(
            Customer(email=f"c{number}@example.com", properties=properties,
                     created_at=clock.now, updated_at=clock.now)
        )  # fmt: skip
    db.session.commit()
    login("manager")
    for url in ("/dashboard", "/dashboard?since=nope"):
        page = client.get(url).text
        assert 'name="property" value="" list="property-names"' in page
        assert re.findall(r'<datalist id="property-names">(.*?)</datalist>', page) == [
            '<option value="region"><option value="Country"><option value="plan">'
        ]
