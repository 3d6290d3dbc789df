"""The admin's connector pages and the ``feedback connector`` commands."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.connectors.processing import process_deliveries
from feedback_app.extensions import db
from feedback_app.models import Connector, User
from feedback_app.services.surveys import create_survey
from surveys.kinds import SurveyKind
from tests.connectors.conftest import Poster
from tests.connectors.vendors import SECRET, TYPES, not_solved, solved, without_email
from tests.helpers import FrozenClock, csrf_from

MakeConnector = Callable[..., Connector]
Login = Callable[..., User]

#: The separator of menu paths on the set-up pages, as in "Manage, then Apps".
IN = "\u203a"
#: Words of each helpdesk's own set-up the connector's page must use.
SETUP_WORDS = {
    "zendesk": ["Status category", "Changed to", "Solved", f"Notify by {IN} Active webhook"],
    "help_scout": [f"Manage {IN} Apps", "Webhooks", "Status Updated", "convo.status"],
    "intercom": ["Developer Hub", "conversation.admin.closed", "Client secret", "Access token"],
    "front": ["archive", "App signing key", "Send to a webhook", "API secret"],
    "zammad": [f"Manage {IN} Webhook", "HMAC SHA1 Signature Token", "State", "closed"],
    "freshdesk": ["Automations", "Ticket updates", "Status is changed", "Resolved"],
    "freescout": ["API &amp; Webhooks", "convo.status", "APP_KEY"],
}
#: A placeholder each pasted body must hold.
PLACEHOLDERS = {
    "zendesk": "{{ticket.requester.email}}",
    "zammad": "#{ticket.customer.email}",
    "freshdesk": "{{ticket.contact.email}}",
}


def test_connector_pages_are_for_admins_only(client: FlaskClient, login: Login) -> None:
    assert client.get("/admin/connectors/").status_code == 302
    login("manager")
    assert client.get("/admin/connectors/").status_code == 403


def test_an_admin_adds_a_connector_and_finds_it_in_the_navigation(
    client: FlaskClient, login: Login
) -> None:
    login("admin")
    page = client.get("/admin/connectors/")
    assert page.status_code == 200
    assert '<a href="/admin/connectors/">Connectors</a>' in page.text
    refused = client.post("/admin/connectors/", data={"type": "help_scout", "name": "HS"})
    assert refused.status_code == 400  # no CSRF token
    answer = client.post(
        "/admin/connectors/",
        data={"type": "help_scout", "name": "Help Scout EU", "csrf_token": csrf_from(page.text)},
    )
    assert answer.status_code == 302
    connector = db.session.scalars(sa.select(Connector)).one()
    assert answer.headers["Location"] == f"/admin/connectors/{connector.id}"
    assert (connector.type, connector.name) == ("help_scout", "Help Scout EU")
    assert connector.secret is not None and len(connector.secret) >= 40


def test_adding_a_connector_names_each_bad_field(client: FlaskClient, login: Login) -> None:
    login("admin")
    page = client.get("/admin/connectors/")
    answer = client.post(
        "/admin/connectors/",
        data={
            "type": "zendesk",
            "name": " ",
            "secret": "short",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert answer.status_code == 422
    assert 'id="name-error">is required' in answer.text
    assert 'id="secret-error">must be 8 to 200 characters' in answer.text
    assert db.session.scalars(sa.select(Connector)).all() == []


@pytest.mark.parametrize("kind", TYPES)
def test_the_page_walks_through_the_helpdesks_own_set_up(
    kind: str, client: FlaskClient, login: Login, make_connector: MakeConnector
) -> None:
    connector = make_connector(kind)
    login("admin")
    page = client.get(f"/admin/connectors/{connector.id}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert f"http://feedback.test/hooks/{connector.id}" in page.text
    for words in SETUP_WORDS[kind]:
        assert words in page.text, words
    assert len(re.findall(r"<li>", page.text.split('<ol class="steps">')[1].split("</ol>")[0])) == 5
    if kind in PLACEHOLDERS:
        assert PLACEHOLDERS[kind] in page.text
        assert 'data-copy="body" hidden' in page.text
    assert 'data-copy="hook-url" hidden' in page.text
    # Scripts only from files: the strict CSP allows no inline script or handler.
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/static/js/copy.js">']
    assert not re.search(r"\son[a-z]+=", page.text)


def test_the_page_lists_deliveries_and_shows_a_body_on_demand(
    client: FlaskClient,
    login: Login,
    make_connector: MakeConnector,
    post: Poster,
    clock: FrozenClock,
) -> None:
    connector, other = make_connector("zendesk"), make_connector("zammad")
    post(connector, solved("zendesk"))
    process_deliveries(clock.now)
    post(connector, *not_solved("zendesk")[:1])
    post(connector, without_email("zendesk"))
    post(connector, solved("zendesk"), secret="not-the-secret-000")
    post(other, solved("zammad"))
    login("admin")
    page = client.get(f"/admin/connectors/{connector.id}")
    rows = page.text.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 4
    assert ">rejected</span><br><small>the signature does not match the secret" in rows[0]
    assert ">rejected</span><br><small>customer.email: is required" in rows[1]
    assert ">ignored</span><br><small>the ticket&#39;s status is &#39;Open&#39;" in rows[2]
    assert ">created</span><br><small>invitation scheduled for" in rows[3]
    assert "<td>1001</td>" in rows[3]
    link = re.search(r'href="(/admin/connectors/[^"]+/deliveries/\d+)"', rows[3])
    assert link is not None
    body = client.get(link.group(1))
    assert body.status_code == 200
    assert "&#34;external_id&#34;: &#34;1001&#34;" in body.text
    wrong = link.group(1).replace(connector.id, other.id)
    assert client.get(wrong).status_code == 404


def test_settings_are_saved_and_bad_ones_named(
    client: FlaskClient, login: Login, make_connector: MakeConnector, clock: FrozenClock
) -> None:
    ces = create_survey(SurveyKind.CES, clock.now, name="Effort")
    db.session.commit()
    connector = make_connector("zendesk")
    login("admin")
    page = client.get(f"/admin/connectors/{connector.id}")
    token = csrf_from(page.text)
    url = f"/admin/connectors/{connector.id}/settings"
    bad = client.post(url, data={"csrf_token": token, "survey": "", "delay_seconds": "-5"})
    assert bad.status_code == 422
    assert 'id="delay_seconds-error">' in bad.text
    saved = client.post(
        url,
        data={
            "csrf_token": token,
            "survey": str(ces.id),
            "delay_seconds": "3600",
            "skip_tags": "no_survey\nvip, vip",
            "skip_teams": "",
            "skip_channels": "voice",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert (connector.survey_id, connector.delay_seconds) == (ces.id, 3600)
    assert (connector.skip_tags, connector.skip_channels) == (["no_survey", "vip"], ["voice"])


def test_the_secret_is_rotated_from_the_page(
    client: FlaskClient, login: Login, make_connector: MakeConnector, clock: FrozenClock
) -> None:
    zendesk, zammad = make_connector("zendesk"), make_connector("zammad")
    login("admin")
    page = client.get(f"/admin/connectors/{zendesk.id}")
    token = csrf_from(page.text)
    refused = client.post(f"/admin/connectors/{zendesk.id}/secret", data={"csrf_token": token})
    assert refused.status_code == 422
    assert "Zendesk issues the secret: give the one it shows" in refused.text
    client.post(
        f"/admin/connectors/{zendesk.id}/secret",
        data={"csrf_token": token, "secret": "zendesk-new-signing-secret"},
    )
    client.post(f"/admin/connectors/{zammad.id}/secret", data={"csrf_token": token})
    db.session.expire_all()
    assert zendesk.secret == "zendesk-new-signing-secret"
    assert zendesk.previous_secret == SECRET
    assert zammad.secret not in (None, SECRET)
    assert zammad.previous_secret_until is not None
    assert zammad.previous_secret_until.isoformat() == "2026-03-03T09:00:00+00:00"


def test_cli_create_list_rotate_edit_and_deliveries(
    runner: FlaskCliRunner, post: Poster, clock: FrozenClock
) -> None:
    created = runner.invoke(
        args=["connector", "create", "zammad", "Zammad", "--skip-tag", "no_survey", "--delay", "60"]
    )
    assert created.exit_code == 0, created.output
    lines = dict(line.split("\t") for line in created.output.splitlines())
    connector = db.session.get(Connector, lines["id"])
    assert connector is not None
    assert lines["url"] == f"http://feedback.test/hooks/{connector.id}"
    assert lines["secret"] == connector.secret
    assert (connector.skip_tags, connector.delay_seconds) == (["no_survey"], 60)

    zendesk = runner.invoke(args=["connector", "create", "zendesk", "Zendesk"])
    assert "secret\t(not set: save the helpdesk's with rotate-secret --secret)" in zendesk.output
    listed = runner.invoke(args=["connector", "list"]).output.splitlines()
    assert [line.split("\t")[1:3] for line in listed] == [
        ["zammad", "Zammad"],
        ["zendesk", "Zendesk"],
    ]

    old = connector.secret
    rotated = runner.invoke(args=["connector", "rotate-secret", connector.id])
    db.session.expire_all()
    assert rotated.output.splitlines()[0] == f"secret\t{connector.secret}"
    assert connector.previous_secret == old
    assert "previous secret verifies until\t2026-03-03T09:00:00+00:00" in rotated.output

    edited = runner.invoke(
        args=["connector", "edit", connector.id, "--skip-team", "Sales", "--delay", "0"]
    )
    assert edited.exit_code == 0, edited.output
    db.session.expire_all()
    assert (connector.skip_tags, connector.skip_teams, connector.delay_seconds) == (
        ["no_survey"],
        ["Sales"],
        0,
    )

    post(connector, solved("zammad"), secret=connector.secret or "")
    shown = runner.invoke(args=["connector", "deliveries", connector.id]).output.splitlines()
    assert [line.split("\t")[2:4] for line in shown] == [["pending", "1001"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["connector", "create", "osticket", "X"], "'osticket' is not one of"),
        (["connector", "create", "zammad", "X", "--survey", "9"], "survey: must be a CSAT or CES"),
        (["connector", "create", "zammad", "X", "--api-url", "ftp://x"], "api_url: must be an"),
        (["connector", "rotate-secret", "nobody"], "no connector has this id"),
        (["connector", "deliveries", "nobody"], "no connector has this id"),
    ],
)  # fmt: skip
def test_cli_refuses_bad_input_with_a_message(
    runner: FlaskCliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_cli_rotating_a_helpdesk_issued_secret_needs_the_new_one(
    runner: FlaskCliRunner, make_connector: MakeConnector
) -> None:
    connector = make_connector("intercom")
    refused = runner.invoke(args=["connector", "rotate-secret", connector.id])
    assert refused.exit_code == 2
    assert "secret: Intercom issues the secret: give the one it shows" in refused.output
    given = runner.invoke(
        args=["connector", "rotate-secret", connector.id, "--secret", "new-client-secret"]
    )
    assert given.exit_code == 0
