"""The Targets page: managers and admins add, edit and delete goals (deleting asks first),
every refusal names its field, every change is audited, and agents cannot set targets."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.audit.models import AuditEvent
from feedback_app.extensions import db
from feedback_app.models import Team, User
from feedback_app.targets.models import Target
from tests.helpers import csrf_from

URL = "/admin/targets/"


@pytest.fixture
def manager(login: Callable[..., User]) -> User:
    db.session.add(Team(name="Billing"))
    db.session.commit()
    return login("manager")


@pytest.fixture
def token(client: FlaskClient, manager: User) -> str:
    return csrf_from(client.get(URL).text)


def add(client: FlaskClient, token: str, **fields: str) -> Any:
    form = {"kpi": "csat", "team": "", "value": "85", "deadline": "2026-06-30", **fields}
    return client.post(URL, data={"csrf_token": token, **form})


def stored() -> list[tuple[str, str | None, float, date]]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Target).order_by(Target.id))
    return [(t.kpi, t.team.name if t.team else None, t.value, t.deadline) for t in rows]


def events() -> list[tuple[str, dict[str, Any]]]:
    rows = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.startswith("target")).order_by(AuditEvent.id)
    )
    return [(e.action, e.details) for e in rows]


def text(answer: Any) -> str:
    return html.unescape(answer.text)


def test_adding_targets_overall_and_for_a_team(client: FlaskClient, token: str) -> None:
    assert add(client, token).status_code == 302
    assert add(client, token, kpi="handle_time", team="Billing", value="300").status_code == 302
    assert stored() == [
        ("csat", None, 85.0, date(2026, 6, 30)),
        ("handle_time", "Billing", 300.0, date(2026, 6, 30)),
    ]
    page = text(client.get(URL))
    assert '<th scope="row">CSAT</th>' in page
    assert '<td class="text" dir="auto">Billing</td>' in page
    assert "<td>85%</td>" in page
    assert "<td>300 s</td>\n      <td>lower</td>" in page
    assert [action for action, _ in events()] == ["target.set", "target.set"]
    assert events()[0][1] == {
        "kpi": "csat",
        "team_id": None,
        "value": 85.0,
        "deadline": "2026-06-30",
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"value": "120"}, "value", "must be between 0 and 100 for CSAT"),
        ({"value": "lots"}, "value", "Not a valid float value."),
        ({"value": ""}, "value", "Enter the value to reach."),
        ({"kpi": "nps", "value": "-150"}, "value", "must be between -100 and 100 for NPS"),
        ({"deadline": "2026-03-01"}, "deadline", "must not be in the past"),
        ({"deadline": "soon"}, "deadline", "Not a valid date value."),
        ({"kpi": "speed"}, "kpi", "Not a valid choice."),
        ({"team": "Nobody"}, "team", "Not a valid choice."),
        ({"kpi": "retention", "team": "Billing"}, "team", "Retention rate has no figure per team"),
    ],
)
def test_refusals_name_the_field_and_keep_nothing(
    client: FlaskClient, token: str, fields: dict[str, str], field: str, message: str
) -> None:
    refused = add(client, token, **fields)
    assert refused.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}' in text(refused)
    assert "Nothing was saved: 1 field needs correcting" in text(refused)
    assert stored() == []
    assert events() == []


def test_one_target_per_kpi_overall_and_per_team(client: FlaskClient, token: str) -> None:
    add(client, token)
    again = add(client, token, value="90")
    assert again.status_code == 422
    assert "already has a target overall: edit that one" in text(again)
    assert add(client, token, team="Billing").status_code == 302
    assert len(stored()) == 2


def test_editing_a_target(client: FlaskClient, token: str) -> None:
    add(client, token)
    target_id = db.session.scalar(sa.select(Target.id))
    page = client.get(f"{URL}{target_id}")
    assert "Now: CSAT overall: 85 by 2026-06-30." in text(page)
    assert 'value="85.0"' in page.text
    refused = client.post(
        f"{URL}{target_id}",
        data={
            "csrf_token": token,
            "kpi": "csat",
            "team": "",
            "value": "-1",
            "deadline": "2026-07-31",
        },
    )
    assert refused.status_code == 422
    assert "must be between 0 and 100 for CSAT" in text(refused)
    saved = client.post(
        f"{URL}{target_id}",
        data={
            "csrf_token": token,
            "kpi": "csat",
            "team": "",
            "value": "88.5",
            "deadline": "2026-07-31",
        },
    )
    assert saved.status_code == 302
    assert stored() == [("csat", None, 88.5, date(2026, 7, 31))]
    assert events()[-1] == (
        "target.changed",
        {"kpi": "csat", "team_id": None, "value": 88.5, "deadline": "2026-07-31"},
    )


def test_deleting_asks_first_and_needs_the_form_token(client: FlaskClient, token: str) -> None:
    add(client, token)
    target_id = db.session.scalar(sa.select(Target.id))
    confirm = client.get(f"{URL}{target_id}/delete")
    assert confirm.status_code == 200
    assert "<h1>Delete this target?</h1>" in confirm.text
    assert "CSAT overall: 85 by 2026-06-30. The dashboard will stop showing it." in text(confirm)
    assert len(stored()) == 1
    forged = client.post(f"{URL}{target_id}/delete", data={})
    assert forged.status_code == 400
    assert len(stored()) == 1
    deleted = client.post(f"{URL}{target_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert stored() == []
    assert [action for action, _ in events()] == ["target.set", "target.deleted"]
    assert client.get(f"{URL}{target_id}/delete").status_code == 404


def test_adding_without_the_form_token_is_refused(client: FlaskClient, manager: User) -> None:
    answer = client.post(URL, data={"kpi": "csat", "value": "85", "deadline": "2026-06-30"})
    assert answer.status_code == 400
    assert stored() == []


def test_agents_cannot_see_or_set_targets(client: FlaskClient, login: Callable[..., User]) -> None:
    login("agent")
    assert client.get(URL).status_code == 403
    token = csrf_from(client.get("/account/password").text)
    posted = client.post(
        URL, data={"csrf_token": token, "kpi": "csat", "value": "85", "deadline": "2026-06-30"}
    )
    assert posted.status_code == 403
    assert stored() == []


def test_admins_set_targets_too(client: FlaskClient, login: Callable[..., User]) -> None:
    login("admin")
    token = csrf_from(client.get(URL).text)
    assert add(client, token, kpi="fcr", value="75").status_code == 302
    assert stored() == [("fcr", None, 75.0, date(2026, 6, 30))]
