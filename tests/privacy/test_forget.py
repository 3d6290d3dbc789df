"""Forgetting a customer: nothing of theirs left in any table, the figures unchanged, the
address never invited again, and the other customer untouched."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import (
    AuditEvent,
    Interaction,
    Invitation,
    MailboxMessage,
    Response,
    User,
)
from feedback_app.services.metrics import default_period
from feedback_app.services.rollups import rebuild_rollups, rollup_differences
from feedback_app.services.support.figures import support_report, volume_by_channel
from tests.helpers import FrozenClock, csrf_from
from tests.privacy.conftest import ANA, JOANA, Person

#: What the dashboard and the metrics API show: each kind by day and every breakdown.
METRICS = [
    f"/api/v1/metrics?kind={kind}&interval=day&group_by={group}"
    for kind in ("csat", "nps", "ces")
    for group in ("channel", "team", "agent", "survey")
]


def traces(person: Person) -> list[str]:
    """Every cell of every table that still points at ``person`` or holds their address (as
    a whole address: ``ana@`` inside ``joana@`` is Joana's), comment or property."""
    address = re.compile(r"(?<![\w.!#$%&'*+/=?^`{|}~-])" + re.escape(person.email), re.I)
    keys = {
        "customers": {person.customer_id},
        "invitations": set(person.invitation_ids),
        "followup_cases": {person.case_id},
    }
    found = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(sa.select(table)):
                for name, value in row._mapping.items():
                    column = table.c[name]
                    pointed = {fk.column.table.name for fk in column.foreign_keys}
                    if column.primary_key and table.name in keys:
                        pointed.add(table.name)
                    text = json.dumps(value) if isinstance(value, dict | list) else str(value)
                    if (
                        any(value in keys.get(target, ()) for target in pointed)
                        or address.search(text)
                        or person.comment in text
                        or person.property_value in text
                    ):
                        found.append(f"{table.name}.{name}={text[:80]}")
    return found


def figures(client: FlaskClient, api_key: str, clock: FrozenClock) -> dict[str, Any]:
    """The score figures as the metrics API gives them, and the support figures."""
    shown = {
        url: client.get(url, headers={"Authorization": f"Bearer {api_key}"}).get_json()
        for url in METRICS
    }
    period = default_period(clock.now)
    support = support_report(period.since, period.until)
    volume = volume_by_channel(period.since, period.until)
    return {"scores": shown, "support": support.figures, "volume": volume}


def forget_by_cli(runner: FlaskCliRunner, **_: Any) -> None:
    result = runner.invoke(args=["forget", ANA, "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("forgotten: 1 customer, 1 invitations, 1 comments")


def forget_by_api(client: FlaskClient, api_key: str, **_: Any) -> None:
    answer = client.delete(f"/api/v1/people/{ANA}", headers={"Authorization": f"Bearer {api_key}"})
    assert answer.status_code == 200, answer.text


def forget_on_the_page(client: FlaskClient, login: Callable[..., User], **_: Any) -> None:
    login("admin")
    token = csrf_from(client.get("/admin/people").text)
    answer = client.post(
        "/admin/people/forget", data={"csrf_token": token, "email": ANA, "confirm": ANA}
    )
    assert answer.status_code == 302, answer.text


@pytest.mark.parametrize("forget", [forget_by_cli, forget_by_api, forget_on_the_page])
def test_forgetting_leaves_nothing_of_them_and_keeps_the_figures(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    api_key: str,
    clock: FrozenClock,
    login: Callable[..., User],
    people: Callable[[], dict[str, Person]],
    forget: Callable[..., None],
) -> None:
    found = people()
    ana, joana = found[ANA], found[JOANA]
    assert len(traces(ana)) > 20
    joana_before = traces(joana)
    before = figures(client, api_key, clock)
    assert before["support"]["fcr"].n == 2 and before["support"]["fcr"].value == 0.0

    forget(client=client, runner=runner, api_key=api_key, login=login)
    db.session.expire_all()

    assert traces(ana) == []
    assert traces(joana) == joana_before
    assert figures(client, api_key, clock) == before
    assert rollup_differences() == []
    rebuild_rollups()
    db.session.commit()
    assert figures(client, api_key, clock) == before
    # What is kept: the bare score, on its day, and the interactions, tied to nobody.
    kept = db.session.get(Response, ana.response_ids[0])
    assert (kept.customer_id, kept.invitation_id, kept.interaction_id) == (None, None, None)
    assert (kept.score, kept.comment, kept.locale, kept.agent is not None) == (1, "", None, True)
    assert kept.created_at == clock.now.replace(hour=0)
    interactions = db.session.scalars(
        sa.select(Interaction)
        .where(Interaction.id.in_(ana.interaction_ids))
        .order_by(Interaction.id)
    ).all()
    assert [(i.customer_id, i.first_contact_resolved) for i in interactions] == [
        (None, False),
        (None, None),
    ]
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "person.forgotten")
    ).one()
    assert event.target == f"customer:{ana.customer_id}"
    assert event.details["deleted"]["customer"] == 1


def test_the_counts_name_each_kind_of_row(
    client: FlaskClient, api_key: str, people: Callable[[], dict[str, Person]]
) -> None:
    people()
    answer = client.delete(f"/api/v1/people/{ANA}", headers={"Authorization": f"Bearer {api_key}"})
    assert answer.status_code == 200
    assert answer.get_json() == {
        "deleted": {
            "customer": 1,
            "invitations": 1,
            "comments": 1,
            "written_answers": 1,
            "comment_reviews": 1,
            "cases": 1,
            "case_events": 5,
            # The invitation, the owner's alert and the reply; each also in the mailbox.
            "emails": 3,
            # Slack: response.created, followup.created, followup.updated twice,
            # unsubscribe.created.
            "webhook_deliveries": 5,
            "mailbox_messages": 3,
            "unsubscribes": 1,
            # The helpdesk's refused delivery naming her.
            "helpdesk_deliveries": 1,
        },
        "kept_anonymous": {"responses": 1, "interactions": 2},
    }


def test_a_forgotten_address_is_never_invited_again(
    client: FlaskClient, api_key: str, people: Callable[[], dict[str, Person]]
) -> None:
    people()
    headers = {"Authorization": f"Bearer {api_key}"}
    assert client.delete(f"/api/v1/people/{ANA.upper()}", headers=headers).status_code == 200

    def ticket(external_id: str, email: str) -> dict[str, Any]:
        answer = client.post(
            "/api/v1/interactions",
            headers=headers,
            json={"external_id": external_id, "customer": {"email": email}, "survey": "csat"},
        )
        assert answer.status_code == 202, answer.text
        return answer.get_json()

    back = ticket("T-9", ANA)
    assert (back["invitation"], back["reason"]) == (None, "unsubscribed")
    suppressed = db.session.get(Invitation, back["suppressed_invitation_id"])
    assert suppressed.customer.email == ANA
    # The block is hers alone: a new address is invited as usual.
    assert ticket("T-10", "new@example.com")["invitation"]["status"] == "scheduled"


def test_forgetting_asks_first_on_the_command_line(
    runner: FlaskCliRunner, people: Callable[[], dict[str, Person]]
) -> None:
    ana = people()[ANA]
    refused = runner.invoke(args=["forget", ANA], input="n\n")
    assert refused.exit_code == 1
    assert refused.output.startswith(
        f"Forgetting {ANA} means: 1 customer, 1 invitations, 1 comments, 1 written answers, "
        "1 comment reviews, "
        "1 cases, 5 case events, 3 emails, 5 webhook deliveries, 3 mailbox messages, "
        "1 unsubscribes, 1 helpdesk deliveries deleted; 1 responses, 2 interactions kept anonymous."
    )
    assert "Aborted" in refused.output
    assert traces(ana) != []
    assert runner.invoke(args=["forget", ANA], input="y\n").exit_code == 0
    assert traces(ana) == []


@pytest.mark.parametrize(
    ("email", "code", "message"),
    [
        ("nobody@example.com", 1, "no customer has the address nobody@example.com"),
        ("not-an-address", 2, "Invalid value for EMAIL"),
    ],
)
def test_the_command_names_an_unknown_or_invalid_address(
    runner: FlaskCliRunner, email: str, code: int, message: str
) -> None:
    result = runner.invoke(args=["forget", email, "--yes"])
    assert result.exit_code == code
    assert message in result.output


def test_a_message_naming_the_address_in_other_letter_cases_is_found(
    app: Flask, clock: FrozenClock
) -> None:
    """An address with a non-ASCII letter, written in capitals in a message: SQLite's own
    ``lower()`` folds ASCII only, and the message must still be found there."""
    from feedback_app.privacy.people import _mailbox_rows

    db.session.add_all(
        MailboxMessage(
            message_id=f"<{n}@example.com>",
            sender="support@example.com",
            recipient=recipient,
            subject="Hello",
            text="",
            html="",
            headers={},
            created_at=clock.now,
        )
        for n, recipient in enumerate(["ÉLODIE@EXAMPLE.COM", "other@example.com"])
    )
    db.session.commit()
    assert _mailbox_rows("élodie@example.com") == [
        db.session.scalar(
            sa.select(MailboxMessage.id).where(MailboxMessage.message_id == "<0@example.com>")
        )
    ]
