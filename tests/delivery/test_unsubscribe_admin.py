"""Admins' unsubscribes page and the development mailbox: searching them, adding an
unsubscribe by hand, and reversing one after a confirmation with a reason."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade

from feedback_app.extensions import db
from feedback_app.ingest.interactions import InteractionInput, ingest_interaction
from feedback_app.ingest.people import CustomerInput
from feedback_app.models import (
    Customer,
    Invitation,
    MailboxMessage,
    OutboxMessage,
    Unsubscribe,
    User,
)
from feedback_app.services.suppression import unsubscribe
from feedback_app.services.webhooks import create_endpoint
from surveys.invitations import InvitationStatus, SuppressionReason
from surveys.kinds import SurveyKind
from tests.audit.support import logged
from tests.helpers import PUBLIC_ADDRESS, FrozenClock, TestNames, csrf_from

#: The first cell of each row: the customer's email, on the unsubscribes page.
EMAIL_CELL = re.compile(r'<tr>\s*<td class="text">([^<]+)')
#: The subject link of each row of the mailbox.
SUBJECT_CELL = re.compile(r'<td class="text"><a href="/dev/mailbox/\d+">([^<]+)</a>')


def emails_listed(page: str) -> list[str]:
    return [html.unescape(email) for email in EMAIL_CELL.findall(page)]


def opted_out(email: str, name: str, minutes_ago: int, clock: FrozenClock) -> Unsubscribe:
    customer = Customer(email=email, name=name, created_at=clock.now, updated_at=clock.now)
    db.session.add(customer)
    record, _ = unsubscribe(customer, None, "link", clock.now - timedelta(minutes=minutes_ago))
    return record


def test_the_unsubscribes_page_finds_customers_by_email_or_name_whatever_is_typed(
    client: FlaskClient, clock: FrozenClock, login: Callable[..., User]
) -> None:
    for number, (email, name) in enumerate(
        [
            ("ana@example.com", "Ana, 100% sure"),
            ("dan@example.com", "Dan, 100 and more"),
            ("bob_x@example.com", "Bob"),
            ("bobux@example.com", "Bobu"),
            ("carla@example.org", "ÉLODIE Carla"),
            ("back\\slash@example.com", ""),
        ]
    ):
        opted_out(email, name, number, clock)
    db.session.commit()
    login("admin")

    def found(search: str) -> list[str]:
        page = client.get("/admin/unsubscribes", query_string={"q": search})
        assert page.status_code == 200
        return emails_listed(page.text)

    assert found("") == [
        "back\\slash@example.com",
        "carla@example.org",
        "bobux@example.com",
        "bob_x@example.com",
        "dan@example.com",
        "ana@example.com",
    ]
    assert found("100%") == ["ana@example.com"]
    assert found("b_x") == ["bob_x@example.com"]
    assert found("k\\s") == ["back\\slash@example.com"]
    assert found("  EXAMPLE.ORG ") == ["carla@example.org"]
    assert found("élodie") == ["carla@example.org"]
    assert found("BOB") == ["bobux@example.com", "bob_x@example.com"]
    nobody = client.get("/admin/unsubscribes?q=%25%25")
    assert emails_listed(nobody.text) == []
    assert '<tr><td colspan="6">Nobody matches.</td></tr>' in nobody.text
    assert 'value="%%"' in nobody.text


def test_a_search_keeps_its_pages_and_one_too_long_is_refused_on_the_page(
    client: FlaskClient, clock: FrozenClock, login: Callable[..., User]
) -> None:
    for number in range(30):
        opted_out(f"many{number:02d}@example.com", "", number, clock)
    opted_out("other@example.com", "", 40, clock)
    db.session.commit()
    login("admin")

    first = client.get("/admin/unsubscribes?q=Many")
    second = client.get("/admin/unsubscribes?q=Many&page=2")
    too_long = client.get("/admin/unsubscribes", query_string={"q": "x" * 201})

    # Newest first.
    assert emails_listed(first.text) == [f"many{n:02d}@example.com" for n in range(29, 4, -1)]
    assert 'href="/admin/unsubscribes?q=Many&amp;page=2" rel="next"' in first.text
    assert "Page 1 of 2 (30 in all)" in first.text
    assert emails_listed(second.text) == [f"many{n:02d}@example.com" for n in range(4, -1, -1)]
    assert too_long.status_code == 422
    assert (
        '<p class="field-error" id="q-error">Field cannot be longer than 200 characters.</p>'
        in too_long.text
    )
    assert len(emails_listed(too_long.text)) == 25


def test_the_mailbox_finds_emails_by_subject_or_recipient(
    client: FlaskClient, clock: FrozenClock, login: Callable[..., User]
) -> None:
    for number, (recipient, subject) in enumerate(
        [
            ("Casey <casey@example.com>", "How did Acme do?"),
            ("Dana <dana@example.com>", "50% off your next visit"),
            ("Eve <eve@example.com>", "50 off, or more"),
            ("Zoë <zoe@example.com>", "Ünïcode ÀCME"),
        ]
    ):
        db.session.add(
            MailboxMessage(
                message_id=f"<m{number}@feedback.test>",
                sender="Acme <surveys@example.com>",
                recipient=recipient,
                subject=subject,
                text="",
                html="",
                headers={},
                created_at=clock.now + timedelta(minutes=number),
            )
        )
    db.session.commit()
    login("admin")

    def found(search: str) -> list[str]:
        page = client.get("/dev/mailbox/", query_string={"q": search})
        assert page.status_code == 200
        return [html.unescape(subject) for subject in SUBJECT_CELL.findall(page.text)]

    assert found("") == [
        "Ünïcode ÀCME",
        "50 off, or more",
        "50% off your next visit",
        "How did Acme do?",
    ]
    assert found("50%") == ["50% off your next visit"]
    assert found("CASEY@") == ["How did Acme do?"]
    assert found("àcme") == ["Ünïcode ÀCME"]
    assert found("acme") == ["How did Acme do?"]
    assert "No email matches." in client.get("/dev/mailbox/?q=nobody").text


def test_an_admin_adds_an_unsubscribe_as_the_customers_own_would_be(
    client: FlaskClient,
    clock: FrozenClock,
    dns: TestNames,
    login: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    dns.answer("hooks.example", [PUBLIC_ADDRESS])
    scheduled, _ = make_invitation(kind="nps", scheduled_for=clock.now + timedelta(days=2))
    endpoint = create_endpoint("https://hooks.example/in", ["unsubscribe.created"], clock.now)
    db.session.commit()
    admin = login("admin")
    page = client.get("/admin/unsubscribes")

    added = client.post(
        "/admin/unsubscribes",
        data={
            "csrf_token": csrf_from(page.text),
            "email": " Customer@Example.COM ",
            "kind": "all",
            "reason": " Asked on the phone\n",
        },
    )

    assert (added.status_code, added.location) == (302, "/admin/unsubscribes")
    record = db.session.scalars(sa.select(Unsubscribe)).one()
    assert (record.customer.email, record.kind, record.source, record.reason) == (
        "customer@example.com",
        None,
        "admin",
        "Asked on the phone",
    )
    assert record.created_at == clock.now
    listing = client.get("/admin/unsubscribes").text
    assert "customer@example.com is unsubscribed from all surveys." in listing
    assert (
        '<td class="text">customer@example.com<br><span dir="auto">Casey</span></td>\n'
        "      <td>all surveys</td>\n"
        "      <td>admin</td>\n"
        "      <td>2026-03-02 09:00</td>\n"
        '      <td class="text" dir="auto">Asked on the phone</td>'
    ) in listing
    # Suppressed as a customer's own unsubscribe suppresses: what was scheduled, and after.
    db.session.refresh(scheduled)
    assert (scheduled.status, scheduled.suppression_reason) == (
        InvitationStatus.SUPPRESSED,
        SuppressionReason.UNSUBSCRIBED,
    )
    later = ingest_interaction(
        InteractionInput(
            external_id="T-9",
            customer=CustomerInput(email="customer@example.com"),
            survey=SurveyKind.CSAT,
        ),
        clock.now,
    ).invitation
    assert later is not None
    assert (later.status, later.suppression_reason) == (
        InvitationStatus.SUPPRESSED,
        SuppressionReason.UNSUBSCRIBED,
    )
    [webhook] = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.endpoint_id == endpoint.id)
    ).all()
    assert webhook.purpose == "unsubscribe.created"
    assert json.loads(webhook.payload["body"]) == {
        "type": "unsubscribe.created",
        "timestamp": "2026-03-02T09:00:00+00:00",
        "data": {
            "id": record.id,
            "customer": {"email": "customer@example.com", "name": "Casey"},
            "kind": None,
            "source": "admin",
            "created_at": "2026-03-02T09:00:00+00:00",
            "summary": "customer@example.com unsubscribed from all surveys",
        },
    }
    assert logged("unsubscribe.") == [
        (
            "user",
            admin.email,
            "127.0.0.1",
            "unsubscribe.added",
            f"unsubscribe:{record.id}",
            {"customer": record.customer_id, "kind": "all", "reason": "Asked on the phone"},
        )
    ]


def test_an_unsubscribe_added_by_hand_can_be_for_one_kind_and_a_new_address(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("admin")
    token = csrf_from(client.get("/admin/unsubscribes").text)

    client.post(
        "/admin/unsubscribes",
        data={"csrf_token": token, "email": "new@example.com", "kind": "ces", "reason": "Mail"},
    )

    record = db.session.scalars(sa.select(Unsubscribe)).one()
    assert (record.customer.email, record.customer.name, record.kind) == (
        "new@example.com",
        "",
        SurveyKind.CES,
    )


def test_a_bad_unsubscribe_comes_back_with_its_field_named(
    client: FlaskClient, clock: FrozenClock, login: Callable[..., User]
) -> None:
    opted_out("taken@example.com", "", 0, clock)
    db.session.commit()
    login("admin")
    token = csrf_from(client.get("/admin/unsubscribes").text)
    form = {"csrf_token": token, "kind": "all", "reason": "Asked by letter"}

    def post(**fields: str) -> tuple[int, str]:
        answer = client.post("/admin/unsubscribes", data={**form, **fields})
        return answer.status_code, html.unescape(answer.text)

    status, text = post(email="not-an-address")
    assert status == 422
    assert (
        '<p class="field-error" id="email-error">Not a valid email address: An email address'
        " must have an @-sign.</p>"
    ) in text
    assert 'value="not-an-address"' in text
    status, text = post(email="someone@example.com", reason="  ")
    assert status == 422
    assert '<p class="field-error" id="reason-error">Say why, for the record.</p>' in text
    status, text = post(email="", reason="x" * 501)
    assert status == 422
    assert '<p class="field-error" id="email-error">Enter the customer\'s email.</p>' in text
    assert "Field cannot be longer than 500 characters." in text
    status, text = post(email="TAKEN@example.com")
    assert status == 409
    assert (
        '<p class="field-error" id="email-error">taken@example.com has been unsubscribed from'
        " all surveys since 2026-03-02.</p>"
    ) in text
    status, text = post(email="nul\x00@example.com")
    assert status == 400
    assert "The field “email” contains a NUL character, which nothing here can hold." in text
    assert [(r.customer.email, r.source) for r in db.session.scalars(sa.select(Unsubscribe))] == [
        ("taken@example.com", "link")
    ]
    assert db.session.scalars(sa.select(Customer.email)).all() == ["taken@example.com"]
    assert logged("unsubscribe.") == []


def test_reversing_an_unsubscribe_asks_first_and_keeps_the_reason(
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    invitation, _ = make_invitation()
    record, _ = unsubscribe(invitation.customer, None, "link", clock.now)
    db.session.commit()
    admin = login("admin")
    listing = client.get("/admin/unsubscribes").text
    address = f"/admin/unsubscribes/{record.id}/revoke"
    assert f'<a class="tap" href="{address}">Reverse<span class="visually-hidden"> for' in listing

    asked = client.get(address)
    token = csrf_from(asked.text)
    unexplained = client.post(address, data={"csrf_token": token, "reason": " "})
    db.session.refresh(record)
    assert record.revoked_at is None
    clock.advance(days=1)
    done = client.post(address, data={"csrf_token": token, "reason": "Asked to hear from us "})

    assert asked.status_code == 200
    assert (
        '<h1 dir="auto">Send surveys to customer@example.com again?</h1>\n'
        "<p>They unsubscribed from all surveys on 2026-03-02 (link). Only reverse it if they"
        " asked to hear from us again.</p>"
    ) in asked.text
    assert f'<form method="post" action="{address}" novalidate>' in asked.text
    assert '<label for="reason">Reason</label>' in asked.text
    assert '<textarea dir="auto" id="reason" maxlength="500" name="reason" required>' in asked.text
    assert unexplained.status_code == 422
    assert (
        '<p class="field-error" id="reason-error">Say why the customer is to get surveys again.</p>'
    ) in unexplained.text
    assert (done.status_code, done.location) == (302, "/admin/unsubscribes")
    db.session.refresh(record)
    assert (record.revoked_at, record.revoked_by, record.revoked_reason) == (
        clock.now,
        admin.email,
        "Asked to hear from us",
    )
    page = client.get("/admin/unsubscribes").text
    assert "customer@example.com will receive surveys again." in page
    assert (
        '<td class="text">reversed 2026-03-03 by admin@example.com: <span dir="auto">Asked to'
        " hear from us</span>"
    ) in page
    again = client.get(address)
    assert again.status_code == 409
    assert "This unsubscribe was reversed on 2026-03-03." in again.text
    assert client.post(address, data={"csrf_token": token, "reason": "x"}).status_code == 409
    assert logged("unsubscribe.") == [
        (
            "user",
            admin.email,
            "127.0.0.1",
            "unsubscribe.reversed",
            f"unsubscribe:{record.id}",
            {"customer": record.customer_id, "reason": "Asked to hear from us"},
        )
    ]


def test_migration_1109_keeps_every_unsubscribe(app: Flask, clock: FrozenClock) -> None:
    kept = opted_out("kept@example.com", "", 0, clock)
    reversed_ = opted_out("back@example.com", "", 1, clock)
    reversed_.revoked_at, reversed_.revoked_by = clock.now, "admin@example.com"
    db.session.commit()

    def rows() -> list[tuple[object, ...]]:
        with db.engine.connect() as connection:
            return [
                tuple(row)
                for row in connection.execute(
                    sa.text(
                        "SELECT id, customer_id, kind, source, revoked_by FROM unsubscribes"
                        " ORDER BY id"
                    )
                )
            ]

    before = rows()
    assert [row[0] for row in before] == [kept.id, reversed_.id]
    db.session.remove()
    downgrade(revision="1107")
    try:
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("unsubscribes")}
        assert {"reason", "revoked_reason"} & columns == set()
        assert rows() == before
    finally:
        upgrade()

    assert rows() == before
    assert [
        (record.reason, record.revoked_reason, record.revoked_at)
        for record in db.session.scalars(sa.select(Unsubscribe).order_by(Unsubscribe.id))
    ] == [(None, None, None), (None, None, clock.now)]
