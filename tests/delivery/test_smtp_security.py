"""The SMTP backend's security settings against real aiosmtpd servers with TLS.

``FEEDBACK_SMTP_SECURITY`` = ``starttls`` (upgrade a plain connection) or ``ssl`` (TLS from
the start), the server's certificate verified against ``FEEDBACK_SMTP_CA_FILE`` (a CA made
for the test), and AUTH with ``FEEDBACK_SMTP_USERNAME`` / ``FEEDBACK_SMTP_PASSWORD``.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from flask import Flask

from feedback_app import create_app
from feedback_app.config import ConfigError
from feedback_app.extensions import db
from feedback_app.models import Invitation, OutboxMessage, OutboxStatus
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.outbox import deliver_outbox, retry_unsent
from tests.delivery.certificates import Authority, new_authority
from tests.delivery.sinks import SinkHandler, SmtpSink
from tests.helpers import FrozenClock

TRUSTED = "Feedback Test CA"
USER, PASSWORD = "mailer", "correct horse"


def authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """aiosmtpd's authenticator: one account. A refusal is left to aiosmtpd to answer."""
    expected = LoginPassword(USER.encode(), PASSWORD.encode())
    return AuthResult(success=auth_data == expected, handled=False, auth_data=auth_data)


@pytest.fixture(params=["starttls", "ssl"])
def security(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    """The CA the client is told to trust."""
    return new_authority(tmp_path, TRUSTED)


@pytest.fixture
def signed_by() -> str:
    """The CA that issued the server's certificate; a test may name another one."""
    return TRUSTED


@pytest.fixture
def issued_for() -> str:
    """The address in the server's certificate; the server listens on 127.0.0.1."""
    return "127.0.0.1"


@pytest.fixture
def password() -> str:
    """The password the app is configured with."""
    return PASSWORD


@pytest.fixture
def server_context(
    authority: Authority, signed_by: str, issued_for: str, tmp_path: Path
) -> ssl.SSLContext:
    signer = authority if signed_by == TRUSTED else new_authority(tmp_path, signed_by)
    return signer.server_context(tmp_path, issued_for)


@pytest.fixture
def tls_sink(
    security: str, server_context: ssl.SSLContext, smtp_handler: SinkHandler
) -> Iterator[SmtpSink]:
    """A server speaking ``security`` that offers AUTH once the connection is encrypted."""
    if security == "starttls":
        options: dict[str, Any] = {
            "tls_context": server_context,
            "require_starttls": True,
            "auth_required": True,
        }
    else:
        # aiosmtpd counts only STARTTLS as TLS when it decides whether to offer AUTH (and
        # warns when AUTH is required without it), so it is offered here, not required.
        options = {"ssl_context": server_context, "auth_require_tls": False}
    sink = SmtpSink(smtp_handler, authenticator=authenticate, **options)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def app_config(
    app_config: dict[str, Any],
    tls_sink: SmtpSink,
    security: str,
    authority: Authority,
    password: str,
) -> dict[str, Any]:
    app_config.update(
        MAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=tls_sink.port,
        SMTP_SECURITY=security,
        SMTP_CA_FILE=str(authority.pem_file),
        SMTP_USERNAME=USER,
        SMTP_PASSWORD=password,
        SMTP_TIMEOUT=5,
    )
    return app_config


@pytest.fixture
def send_one(
    app: Flask, clock: FrozenClock, make_invitation: Callable[..., tuple[Invitation, str]]
) -> Callable[[], OutboxMessage]:
    """Dispatch one invitation, run the deliverer once; returns the email's outbox row."""

    def send() -> OutboxMessage:
        make_invitation(email="casey@example.com")
        assert dispatch_due_invitations(clock.now) == 1
        assert deliver_outbox(clock.now) == 1
        db.session.expire_all()
        return db.session.scalars(sa.select(OutboxMessage)).one()

    return send


def test_mail_goes_over_a_verified_tls_connection_after_a_login(
    send_one: Callable[[], OutboxMessage], smtp_handler: SinkHandler, clock: FrozenClock
) -> None:
    row = send_one()

    [received] = smtp_handler.received
    assert received.tls == "TLSv1.3"
    assert received.login == USER
    assert received.recipients == ["casey@example.com"]
    assert received.message["Message-ID"] == row.delivery_id
    assert received.message["Subject"] == "How did Acme do?"
    assert (row.status, row.sent_at, row.last_error) == (OutboxStatus.SENT, clock.now, "")


@pytest.mark.parametrize("signed_by", ["Stranger CA"])
def test_a_certificate_from_a_ca_not_trusted_is_refused_and_nothing_is_sent(
    send_one: Callable[[], OutboxMessage], smtp_handler: SinkHandler, tls_sink: SmtpSink
) -> None:
    row = send_one()

    assert smtp_handler.received == []
    assert row.status is OutboxStatus.FAILED
    assert row.last_error == (
        f"the TLS certificate of 127.0.0.1:{tls_sink.port} is not trusted:"
        " unable to get local issuer certificate"
    )


@pytest.mark.parametrize("issued_for", ["192.0.2.7"])
def test_a_trusted_certificate_for_another_address_is_refused(
    send_one: Callable[[], OutboxMessage], smtp_handler: SinkHandler, tls_sink: SmtpSink
) -> None:
    row = send_one()

    assert smtp_handler.received == []
    assert row.status is OutboxStatus.FAILED
    assert row.last_error == (
        f"the TLS certificate of 127.0.0.1:{tls_sink.port} is not trusted:"
        " IP address mismatch, certificate is not valid for '127.0.0.1'."
    )


@pytest.mark.parametrize("password", ["wrong horse"])
def test_a_refused_login_is_recorded_with_the_servers_answer_and_retried_once_fixed(
    app: Flask,
    send_one: Callable[[], OutboxMessage],
    smtp_handler: SinkHandler,
    tls_sink: SmtpSink,
    clock: FrozenClock,
) -> None:
    row = send_one()

    assert smtp_handler.received == []
    assert row.status is OutboxStatus.FAILED
    assert row.last_error == (
        f"login to 127.0.0.1:{tls_sink.port} refused: 535 5.7.8 Authentication credentials invalid"
    )
    assert (row.response_status, row.response_body) == (
        535,
        "5.7.8 Authentication credentials invalid",
    )

    app.config["SMTP_PASSWORD"] = PASSWORD
    assert retry_unsent(clock.now) == 1
    assert deliver_outbox(clock.now) == 1

    [received] = smtp_handler.received
    assert received.message["Message-ID"] == row.delivery_id
    db.session.refresh(row)
    assert (row.status, row.last_error, row.response_status) == (OutboxStatus.SENT, "", 250)


@pytest.mark.parametrize("security", ["starttls"])
def test_starttls_to_a_server_without_it_sends_nothing_in_clear_text(
    app: Flask,
    send_one: Callable[[], OutboxMessage],
    smtp_handler: SinkHandler,
    smtp_sink: SmtpSink,
) -> None:
    app.config["SMTP_PORT"] = smtp_sink.port  # the plain server of the delivery tests
    row = send_one()

    assert smtp_handler.received == []
    assert row.status is OutboxStatus.FAILED
    assert row.last_error == (
        f"cannot open a session with 127.0.0.1:{smtp_sink.port}:"
        " STARTTLS extension not supported by server."
    )


def test_a_ca_file_that_does_not_exist_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-ca.pem"
    monkeypatch.setenv("FEEDBACK_SMTP_CA_FILE", str(missing))
    with pytest.raises(ConfigError) as error:
        create_app({"ENV": "development"}, instance_path=str(tmp_path))
    assert str(error.value).splitlines()[1:] == [
        f"- FEEDBACK_SMTP_CA_FILE names no file: {missing}"
    ]
