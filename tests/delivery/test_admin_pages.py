"""What admins see and do: the development mailbox, the outbox; and French. Unsubscribes
are in ``test_unsubscribe_admin``."""

from __future__ import annotations

import socket
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import Invitation, MailboxMessage, OutboxMessage, OutboxStatus, User
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.outbox import deliver_outbox
from tests.helpers import FrozenClock, csrf_from


def closed_port() -> int:
    """A port nothing listens on: the OS hands it out, and it is closed again at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_development_mailbox_shows_the_invitation_to_admins_only(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    _, token = make_invitation(kind="csat")
    dispatch_due_invitations(clock.now)
    deliver_outbox(clock.now)
    mail = db.session.scalar(sa.select(MailboxMessage))
    login("agent")
    assert client.get("/dev/mailbox/").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    login("admin")

    listing = client.get("/dev/mailbox/")
    message = client.get(f"/dev/mailbox/{mail.id}")

    assert f'href="/dev/mailbox/{mail.id}">How did Acme do?</a>' in listing.text
    assert (
        '<th scope="row">To</th><td class="text">Casey &lt;customer@example.com&gt;</td>'
        in message.text
    )
    assert f"http://feedback.test/s/{token}?score=5" in message.text
    app.config["ENV"] = "production"
    assert client.get("/dev/mailbox/").status_code == 404


def test_failed_rows_are_listed_with_their_error_and_retried_from_the_page(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    port = closed_port()
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    make_invitation()
    dispatch_due_invitations(clock.now)
    deliver_outbox(clock.now)
    login("admin")

    page = client.get("/admin/outbox")
    assert f"cannot reach 127.0.0.1:{port}: [Errno 111] Connection refused" in page.text
    retried = client.post("/admin/outbox/retry", data={"csrf_token": csrf_from(page.text)})

    assert retried.status_code == 302
    row = db.session.scalar(sa.select(OutboxMessage))
    db.session.refresh(row)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        OutboxStatus.PENDING,
        0,
        clock.now,
    )


def test_outbox_retry_on_the_command_line_makes_every_unsent_row_due(
    app: Flask,
    runner: FlaskCliRunner,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    make_invitation(email="a@example.com")
    make_invitation(email="b@example.com")
    dispatch_due_invitations(clock.now)
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    rows[0].status, rows[0].attempts = OutboxStatus.DEAD, 8
    rows[1].status, rows[1].next_attempt_at = OutboxStatus.FAILED, clock.now.replace(hour=15)
    db.session.commit()
    clock.advance(hours=1)

    result = runner.invoke(args=["outbox", "retry"])
    status = runner.invoke(args=["outbox", "status"])

    assert result.output == (
        "2 messages are due now; `feedback run-job deliver-outbox` sends them\n"
    )
    assert status.output == "pending\t2\nfailed\t0\nsent\t0\ndead\t0\n"
    assert deliver_outbox(clock.now) == 2


def test_a_french_customer_gets_the_email_and_the_unsubscribe_page_in_french(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    invitation, token = make_invitation(kind="nps")
    invitation.customer.locale = "fr-CA"
    db.session.commit()

    dispatch_due_invitations(clock.now)
    deliver_outbox(clock.now)

    mail = db.session.scalar(sa.select(MailboxMessage))
    assert mail.subject == "Comment Acme s'en est-il sorti ?"
    assert "Quelle est la probabilité que vous recommandiez Acme à un ami" in mail.text
    assert "0 (Pas du tout probable): " in mail.text
    assert "Se désinscrire des enquêtes de recommandation: " in mail.text
    assert '<html lang="fr">' in mail.html
    page = client.get(f"/u/{token}")
    assert "Seulement les enquêtes de recommandation" in page.text


def test_every_default_text_of_the_survey_domain_is_marked_for_translation() -> None:
    from feedback_app.texts import DOMAIN_TEXTS
    from surveys.kinds import DEFAULT_FOLLOWUP_QUESTION, KIND_SPECS

    defaults = {DEFAULT_FOLLOWUP_QUESTION}
    for spec in KIND_SPECS.values():
        defaults |= {spec.low_label, spec.high_label, spec.default_question}
    assert defaults <= set(DOMAIN_TEXTS)
