"""The Routing page: adding, editing, ordering and deleting rules, the default, the tester,
its refusals and who may see it."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.audit.models import AuditEvent
from feedback_app.extensions import db
from feedback_app.models import DefaultSurvey, RoutingRule, Survey, User
from feedback_app.services.surveys import create_survey
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock, csrf_from

URL = "/admin/routing/"


@pytest.fixture
def surveys(app: Any, clock: FrozenClock) -> dict[str, Survey]:
    made = {
        "csat": create_survey(SurveyKind.CSAT, clock.now, name="Main CSAT"),
        "vip": create_survey(SurveyKind.CSAT, clock.now, name="VIP CSAT"),
        "french": create_survey(SurveyKind.CSAT, clock.now, name="CSAT en français"),
        "nps": create_survey(SurveyKind.NPS, clock.now, name="Main NPS"),
    }
    db.session.commit()
    return made


@pytest.fixture
def admin(login: Callable[..., User]) -> User:
    return login("admin")


@pytest.fixture
def token(client: FlaskClient, admin: User) -> str:
    return csrf_from(client.get(URL).text)


def add(client: FlaskClient, token: str, survey: Survey, **conditions: str) -> Any:
    return client.post(
        URL,
        data={
            "csrf_token": token,
            "kind": survey.kind.value,
            "survey": str(survey.id),
            **conditions,
        },
    )


def stored() -> list[tuple[int, str, str | None, str | None]]:
    db.session.expire_all()
    rules = db.session.scalars(sa.select(RoutingRule).order_by(RoutingRule.position))
    return [(rule.position, rule.survey.name, rule.channel, rule.tag) for rule in rules]


def actions() -> list[str]:
    """The routing events logged, in order."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.startswith("routing."))
            .order_by(AuditEvent.id)
        )
    )


def text(answer: Any) -> str:
    return html.unescape(answer.text)


def test_the_page_lists_each_kind_and_its_default(
    client: FlaskClient, admin: User, surveys: dict[str, Survey]
) -> None:
    page = client.get(URL)
    assert page.status_code == 200
    for heading in ("CSAT", "CES", "NPS"):
        assert f'<h2 id="kind-{heading.lower()}">{heading}</h2>' in page.text
    assert "The oldest (Main CSAT)" in text(page)
    assert "No rules: every CES contact goes to the default survey." in page.text
    assert "made with the kind's defaults at its first contact" in text(page)


def test_adding_a_rule_puts_it_last_and_audits_it(
    client: FlaskClient, token: str, surveys: dict[str, Survey]
) -> None:
    first = add(client, token, surveys["vip"], tag=" vip ")
    second = add(client, token, surveys["french"], channel="chat", locale="fr")
    assert first.status_code == second.status_code == 302
    assert stored() == [(1, "VIP CSAT", None, "vip"), (2, "CSAT en français", "chat", None)]
    page = text(client.get(URL))
    assert "tagged 'vip'" in page
    assert "channel is 'chat' and locale is 'fr'" in page
    assert actions() == ["routing.rule_added", "routing.rule_added"]
    event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert event.details == {
        "kind": "csat",
        "survey": surveys["french"].id,
        "when": "channel is 'chat' and locale is 'fr'",
    }


def test_moving_rules_up_and_down(
    client: FlaskClient, token: str, surveys: dict[str, Survey]
) -> None:
    for channel in ("chat", "email", "phone"):
        add(client, token, surveys["vip"], channel=channel)
    ids = {rule.channel: rule.id for rule in db.session.scalars(sa.select(RoutingRule))}

    def move(channel: str, direction: str) -> Any:
        return client.post(
            f"/admin/routing/rules/{ids[channel]}/move",
            data={"csrf_token": token, "direction": direction},
        )

    moved = move("phone", "up")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"/admin/routing/#rule-{ids['phone']}")
    assert [channel for _, _, channel, _ in stored()] == ["chat", "phone", "email"]
    move("chat", "down")
    assert [channel for _, _, channel, _ in stored()] == ["phone", "chat", "email"]
    # The first cannot go up, the last cannot go down: nothing changes, nothing is logged.
    move("phone", "up")
    move("email", "down")
    assert [channel for _, _, channel, _ in stored()] == ["phone", "chat", "email"]
    assert actions().count("routing.rule_moved") == 2
    refused = move("chat", "sideways")
    assert refused.status_code == 422
    assert "direction: must be up or down." in text(refused)


def test_editing_and_deleting_a_rule(
    client: FlaskClient, token: str, surveys: dict[str, Survey]
) -> None:
    add(client, token, surveys["vip"], tag="vip")
    add(client, token, surveys["vip"], channel="chat")
    rule_id = db.session.scalar(sa.select(RoutingRule.id).where(RoutingRule.tag == "vip"))
    page = client.get(f"/admin/routing/rules/{rule_id}")
    assert page.status_code == 200
    # Only the rule's kind's surveys are offered.
    assert "Main CSAT" in page.text and "Main NPS" not in page.text
    saved = client.post(
        f"/admin/routing/rules/{rule_id}",
        data={"csrf_token": token, "survey": str(surveys["french"].id), "tag": "vip", "team": "EU"},
    )
    assert saved.status_code == 302
    assert stored() == [(1, "CSAT en français", None, "vip"), (2, "VIP CSAT", "chat", None)]
    deleted = client.post(f"/admin/routing/rules/{rule_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert stored() == [(2, "VIP CSAT", "chat", None)]
    assert actions()[-2:] == ["routing.rule_changed", "routing.rule_deleted"]
    assert client.get("/admin/routing/rules/999").status_code == 404


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({}, "channel", "a rule needs at least one condition"),
        ({"locale": "French!"}, "locale", "must be a language tag such as en, fr or pt-BR"),
        ({"property_name": "plan"}, "property_value", "is required with the other half"),
        ({"channel": "x" * 201}, "channel", "Field cannot be longer than 200 characters."),
        ({"channel": "chat", "kind": "nps"}, "survey", "must be one of the NPS surveys"),
        ({"channel": "chat", "survey": "999"}, "survey", "Not a valid choice."),
        ({"channel": "chat", "kind": "stars"}, "kind", "Not a valid choice."),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: FlaskClient,
    token: str,
    surveys: dict[str, Survey],
    form: dict[str, str],
    field: str,
    message: str,
) -> None:
    data = {"csrf_token": token, "kind": "csat", "survey": str(surveys["vip"].id), **form}
    refused = client.post(URL, data=data)
    assert refused.status_code == 422
    page = text(refused)
    assert "Nothing was saved: 1 field needs correcting" in page
    assert f'<p class="field-error" id="{field}-error">{message}' in page
    assert stored() == []
    assert actions() == []


def test_the_default_survey_of_a_kind(
    client: FlaskClient, token: str, surveys: dict[str, Survey]
) -> None:
    def save(kind: str, survey: str) -> Any:
        return client.post(
            "/admin/routing/defaults", data={"csrf_token": token, "kind": kind, "survey": survey}
        )

    assert save("csat", str(surveys["vip"].id)).status_code == 302
    assert db.session.get(DefaultSurvey, SurveyKind.CSAT).survey_id == surveys["vip"].id
    assert f'<option value="{surveys["vip"].id}" selected>VIP CSAT</option>' in client.get(URL).text
    wrong_kind = save("nps", str(surveys["vip"].id))
    assert wrong_kind.status_code == 422
    assert "survey: must be one of the NPS surveys." in text(wrong_kind)
    assert save("csat", "abc").status_code == 422
    assert "kind: Not a valid choice." in text(save("stars", ""))
    assert save("csat", "").status_code == 302
    db.session.expire_all()
    assert db.session.get(DefaultSurvey, SurveyKind.CSAT) is None
    assert actions() == ["routing.default_changed", "routing.default_changed"]


def test_the_tester_says_which_survey_and_why(
    client: FlaskClient, token: str, surveys: dict[str, Survey]
) -> None:
    add(client, token, surveys["vip"], property_name="plan", property_value="Gold")
    add(client, token, surveys["french"], locale="fr")
    empty = client.get("/admin/routing/test")
    assert empty.status_code == 200
    assert "It goes to" not in empty.text

    gold = text(
        client.get(
            "/admin/routing/test",
            query_string={"kind": "csat", "locale": "fr-CA", "property_name": "plan",
                          "property_value": "gold"},
        )
    )  # fmt: skip
    assert "It goes to VIP CSAT" in gold
    assert "Because rule 1: property plan is 'Gold'." in gold
    assert "<td>1</td><td>property plan is 'Gold'</td><td>VIP CSAT</td><td>yes</td>" in gold
    assert "<td>2</td><td>locale is 'fr'</td><td>CSAT en français</td><td>yes</td>" in gold

    french = text(client.get("/admin/routing/test", query_string={"kind": "csat", "locale": "fr"}))
    assert "It goes to CSAT en français" in french
    nobody = text(client.get("/admin/routing/test", query_string={"kind": "csat", "tag": "x,y"}))
    assert "It goes to Main CSAT" in nobody
    assert "Because no rule matched: the default CSAT survey." in nobody


def test_the_tester_writes_nothing_and_refuses_bad_input(client: FlaskClient, admin: User) -> None:
    tried = client.get("/admin/routing/test", query_string={"kind": "ces", "channel": "chat"})
    assert tried.status_code == 200
    assert "It goes to Customer effort (CES)" in tried.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 0
    refused = client.get("/admin/routing/test", query_string={"kind": "stars", "team": "x" * 201})
    assert refused.status_code == 422
    page = text(refused)
    assert '<p class="field-error" id="kind-error">Not a valid choice.' in page
    assert '<p class="field-error" id="team-error">Field cannot be longer than 200' in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/routing/"),
        ("GET", "/admin/routing/test"),
        ("GET", "/admin/routing/rules/1"),
        ("POST", "/admin/routing/rules/1/move"),
        ("POST", "/admin/routing/rules/1/delete"),
        ("POST", "/admin/routing/defaults"),
    ],
)
@pytest.mark.parametrize("role", ["agent", "manager", None])
def test_only_admins_may_route(
    client: FlaskClient,
    login: Callable[..., User],
    surveys: dict[str, Survey],
    method: str,
    path: str,
    role: str | None,
) -> None:
    if role is not None:
        login(role)
    token = csrf_from(client.get("/" if role else "/login").text)
    answer = client.open(path, method=method, data={"csrf_token": token, "direction": "up"})
    if role is None:
        assert answer.status_code == 302
        assert "/login" in answer.headers["Location"]
    else:
        assert answer.status_code == 403
