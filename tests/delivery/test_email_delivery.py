"""Survey emails through a real SMTP server: what arrives, and that nothing is lost."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import (
    FollowUpCase,
    Interaction,
    Invitation,
    OutboxMessage,
    OutboxStatus,
    Response,
    User,
)
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.emails import compose
from feedback_app.services.followups import write_to_customer
from feedback_app.services.invitations import find_by_token
from feedback_app.services.outbox import deliver_outbox, queue_email
from feedback_app.services.settling import settle_answers
from surveys.invitations import InvitationStatus
from tests.delivery.sinks import SinkHandler, SmtpSink
from tests.helpers import FrozenClock, csrf_from, store_answer

HREF = re.compile(r'href="([^"]+)"')
REPLY_CONTEXT = {"subject_line": "Hi", "body": "Hello", "owner_name": "Jo"}


@pytest.fixture
def app_config(smtp_config: dict[str, Any]) -> dict[str, Any]:
    return smtp_config


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_invitation_arrives_with_both_parts_headers_and_score_buttons(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    smtp_handler: SinkHandler,
) -> None:
    invitation, token = make_invitation(kind="nps", email="casey@example.com")

    assert dispatch_due_invitations(clock.now) == 1
    assert deliver_outbox(clock.now) == 1

    [received] = smtp_handler.received
    [row] = outbox_rows()
    mail = received.message
    assert received.sender == "support@example.com"
    assert received.recipients == ["casey@example.com"]
    assert mail["From"] == "Acme <support@example.com>"
    assert mail["To"] == "Casey <casey@example.com>"
    assert mail["Subject"] == "How did Acme do?"
    assert mail["Message-ID"] == row.delivery_id
    assert mail["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"
    base = f"http://feedback.test/u/{token}"
    assert mail["List-Unsubscribe"] == f"<{base}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content()
    survey = f"http://feedback.test/s/{token}"
    assert f"0 (Not at all likely): {survey}?score=0\n" in text
    assert f"5: {survey}?score=5\n" in text
    assert f"10 (Extremely likely): {survey}?score=10\n" in text
    assert "How likely are you to recommend Acme to a friend or colleague?" in text
    assert f"Unsubscribe from recommendation surveys: {base}" in text
    links = HREF.findall(html)
    assert links == [f"{survey}?score={n}" for n in range(11)] + [survey, base]
    assert "<script" not in html and "<img" not in html
    assert row.status is OutboxStatus.SENT and row.sent_at == clock.now
    db.session.refresh(invitation)
    assert invitation.status is InvitationStatus.SENT and invitation.sent_at == clock.now


@pytest.mark.parametrize(
    ("kind", "after_contact", "intro", "reason"),
    [
        (
            "nps",
            False,
            "Now and then we ask our customers what they think of Acme. It only takes a moment.",
            "You received this email because you are a customer of Acme.",
        ),
        (
            "nps",
            True,
            "Thank you for contacting Acme. Could you tell us how we did? It only takes a moment.",
            "You received this email because you contacted Acme.",
        ),
        (
            "csat",
            False,
            "Thank you for contacting Acme. Could you tell us how we did? It only takes a moment.",
            "You received this email because you contacted Acme.",
        ),
    ],
)
def test_only_a_survey_about_a_contact_thanks_the_customer_for_it(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    smtp_handler: SinkHandler,
    kind: str,
    after_contact: bool,
    intro: str,
    reason: str,
) -> None:
    """A periodic NPS goes to customers who may never have called; one sent after a closed
    ticket, like every CSAT and CES, is about that contact."""
    interaction = (
        Interaction(external_id="T-1", created_at=clock.now, updated_at=clock.now)
        if after_contact
        else None
    )
    make_invitation(kind=kind, interaction=interaction)
    dispatch_due_invitations(clock.now)
    deliver_outbox(clock.now)
    [received] = smtp_handler.received
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = received.message.get_body(("html",)).get_content()
    assert f"\n\n{intro}\n\n" in text
    assert f"\n{reason}\n" in text
    assert f'<p style="margin:0 0 16px 0;">{intro}</p>' in html
    assert f'<p style="margin:0 0 8px 0;">{reason}</p>' in html


def test_a_button_in_the_received_email_answers_the_survey(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    smtp_handler: SinkHandler,
) -> None:
    invitation, _ = make_invitation(kind="csat")
    dispatch_due_invitations(clock.now)
    deliver_outbox(clock.now)
    html = smtp_handler.received[0].message.get_body(("html",)).get_content()
    four = next(link for link in HREF.findall(html) if link.endswith("?score=4"))
    parts = urlsplit(four)
    token = parts.path.removeprefix("/s/")
    assert find_by_token(token).id == invitation.id

    page = client.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    assert 'id="score-4" value="4" checked' in page.text
    saved = client.post(
        parts.path, data={"score": "4", "via": "email", "csrf_token": csrf_from(page.text)}
    )

    assert saved.status_code == 303
    response = db.session.scalar(sa.select(Response))
    assert (response.invitation_id, response.score, response.source) == (invitation.id, 4, "email")


def test_each_email_of_a_batch_carries_its_own_greeting_and_links(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    smtp_handler: SinkHandler,
) -> None:
    """One dispatch run renders a survey's template once; each email still gets its own."""
    named, named_token = make_invitation(email="zoe@example.com")
    named.customer.name = 'Zoë <b>& "Co"'
    nameless, nameless_token = make_invitation(email="anon@example.com")
    nameless.customer.name = ""
    db.session.commit()

    assert dispatch_due_invitations(clock.now) == 2
    assert deliver_outbox(clock.now) == 2

    mails = {r.recipients[0]: r.message for r in smtp_handler.received}
    for address, token in (("zoe@example.com", named_token), ("anon@example.com", nameless_token)):
        html = mails[address].get_body(("html",)).get_content()
        survey = f"http://feedback.test/s/{token}"
        stop = f"http://feedback.test/u/{token}"
        assert HREF.findall(html) == [f"{survey}?score={n}" for n in range(1, 6)] + [survey, stop]
        assert mails[address]["List-Unsubscribe"] == f"<{stop}>"
    zoe_text = mails["zoe@example.com"].get_body(("plain",)).get_content()
    zoe_html = mails["zoe@example.com"].get_body(("html",)).get_content()
    assert zoe_text.startswith('Hello Zoë <b>& "Co",\r\n')
    assert "Hello Zoë &lt;b&gt;&amp; &#34;Co&#34;,</p>" in zoe_html
    assert mails["zoe@example.com"]["To"] == '"Zoë <b>& \\"Co\\"" <zoe@example.com>'
    anon_text = mails["anon@example.com"].get_body(("plain",)).get_content()
    assert anon_text.startswith("Hello,\r\n")
    assert ">Hello,</p>" in mails["anon@example.com"].get_body(("html",)).get_content()


def test_names_with_quotes_commas_and_line_breaks_arrive_as_one_address_each(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    make_user: Callable[..., User],
    smtp_handler: SinkHandler,
) -> None:
    """A manager writes to a customer from a case: the manager's name shows in Reply-To, the
    survey's sender name in From, the customer's in To, each exactly as given."""
    invitation, _ = make_invitation(email="zoe@example.com")
    invitation.customer.name = 'Zoë, "Z" <zed@example.com>'
    invitation.survey.sender_name = 'Acme; Support, "Billing" <billing@example.com>'
    manager = make_user("manager@example.com", "manager")
    manager.name = 'Smith, Jo "Boss" <boss@example.com>\r\nBcc: victim@example.com'
    db.session.commit()
    store_answer(invitation, 1, clock.now, "Slow")
    settle_answers()
    case = db.session.scalars(sa.select(FollowUpCase)).one()
    write_to_customer(case, manager, "About your ticket", "Sorry.", clock.now)
    db.session.commit()

    deliver_outbox(clock.now)

    [received] = [r for r in smtp_handler.received if r.recipients == ["zoe@example.com"]]
    mail = received.message
    assert [
        [(a.display_name, a.addr_spec) for a in mail[header].addresses]
        for header in ("From", "To", "Reply-To")
    ] == [
        [('Acme; Support, "Billing" <billing@example.com>', "support@example.com")],
        [('Zoë, "Z" <zed@example.com>', "zoe@example.com")],
        [('Smith, Jo "Boss" <boss@example.com> Bcc: victim@example.com', "manager@example.com")],
    ]
    assert "Bcc" not in mail
    assert all("victim" not in r.recipients[0] for r in smtp_handler.received)


def test_an_email_queued_with_a_reply_to_in_one_string_still_goes_out(
    app: Flask, clock: FrozenClock, smtp_handler: SinkHandler
) -> None:
    """Rows queued before names were kept apart held ``Name <address>`` in ``reply_to``."""
    row = queue_email(
        compose("customer_reply", to_email="zoe@example.com", context=REPLY_CONTEXT),
        clock.now,
        purpose="reply",
    )
    payload = dict(row.payload)
    del payload["reply_to_name"]
    row.payload = payload | {"reply_to": "Jo Smith <jo@example.com>"}
    db.session.commit()

    deliver_outbox(clock.now)

    [received] = smtp_handler.received
    [reply_to] = received.message["Reply-To"].addresses
    assert (reply_to.display_name, reply_to.addr_spec) == ("Jo Smith", "jo@example.com")


def test_a_down_server_delays_the_email_until_it_is_back(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    smtp_handler: SinkHandler,
    smtp_sink: SmtpSink,
) -> None:
    make_invitation(email="first@example.com")
    make_invitation(email="second@example.com")
    dispatch_due_invitations(clock.now)
    smtp_sink.stop()

    assert deliver_outbox(clock.now, rand=lambda: 1.0) == 2
    failed = outbox_rows()
    assert [row.status for row in failed] == [OutboxStatus.FAILED] * 2
    assert failed[0].last_error.startswith(f"cannot reach 127.0.0.1:{smtp_sink.port}: ")
    assert [row.next_attempt_at for row in failed] == [clock.now.replace(minute=1)] * 2
    assert deliver_outbox(clock.now) == 0

    again = SmtpSink(smtp_handler, port=smtp_sink.port)
    again.start()
    try:
        clock.advance(seconds=60)
        assert deliver_outbox(clock.now) == 2
    finally:
        again.stop()

    assert sorted(r.recipients[0] for r in smtp_handler.received) == [
        "first@example.com",
        "second@example.com",
    ]
    rows = outbox_rows()
    assert [(row.status, row.attempts, row.last_error) for row in rows] == [
        (OutboxStatus.SENT, 2, "")
    ] * 2
    assert {r.message["Message-ID"] for r in smtp_handler.received} == {
        row.delivery_id for row in rows
    }


def test_a_permanent_refusal_is_dead_lettered_with_the_servers_answer(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    smtp_handler: SinkHandler,
) -> None:
    smtp_handler.rcpt_reply = "550 5.1.1 No such user here"
    make_invitation(email="gone@example.com")
    dispatch_due_invitations(clock.now)

    deliver_outbox(clock.now)

    [row] = outbox_rows()
    assert row.status is OutboxStatus.DEAD
    assert row.last_error == "recipient refused: 550 5.1.1 No such user here"
    assert row.response_status == 550
    clock.advance(days=1)
    assert deliver_outbox(clock.now) == 0
    assert smtp_handler.received == []


def test_a_temporary_refusal_is_retried_until_the_limit_then_dead(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    smtp_handler: SinkHandler,
) -> None:
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    smtp_handler.rcpt_reply = "451 4.3.0 Try again later"
    make_invitation()
    dispatch_due_invitations(clock.now)

    waits = []
    for _ in range(3):
        assert deliver_outbox(clock.now, rand=lambda: 0.0) == 1
        [row] = outbox_rows()
        waits.append(row.next_attempt_at - clock.now)
        clock.now = row.next_attempt_at

    assert [w.total_seconds() for w in waits[:2]] == [30.0, 60.0]
    assert row.status is OutboxStatus.DEAD
    assert row.attempts == 3
    assert row.last_error == (
        "recipient refused: 451 4.3.0 Try again later (gave up after 3 attempts)"
    )


def test_a_batch_near_the_end_of_its_lease_gives_its_untried_rows_back(
    app: Flask,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    smtp_handler: SinkHandler,
) -> None:
    """Slow sends must not outlive the lease, or a second worker would send the same rows."""
    for name in ("first", "second", "third"):
        make_invitation(email=f"{name}@example.com")
    dispatch_due_invitations(clock.now)
    readings = iter(range(0, 3600, 300))  # each look at the clock finds 5 minutes gone

    # The lease is 600 s: a third send, starting at 600 s, would end after it.
    assert deliver_outbox(clock.now, monotonic=lambda: next(readings)) == 2

    assert [r.recipients[0] for r in smtp_handler.received] == [
        "first@example.com",
        "second@example.com",
    ]
    rows = outbox_rows()
    assert [(row.recipient, row.status, row.attempts) for row in rows] == [
        ("first@example.com", OutboxStatus.SENT, 1),
        ("second@example.com", OutboxStatus.SENT, 1),
        ("third@example.com", OutboxStatus.PENDING, 0),
    ]
    assert rows[2].next_attempt_at == clock.now
    assert deliver_outbox(clock.now) == 1
    assert [r.recipients[0] for r in smtp_handler.received][2:] == ["third@example.com"]
    assert [(row.status, row.attempts) for row in outbox_rows()][2] == (OutboxStatus.SENT, 1)
