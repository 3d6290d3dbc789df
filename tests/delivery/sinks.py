"""Real receivers for the delivery tests: an SMTP server (aiosmtpd) and an HTTP endpoint
that verifies webhooks with the ``standardwebhooks`` library."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    #: The TLS version the message came over ("TLSv1.3"), or None for plain text.
    tls: str | None = None
    #: The name the client logged in with, or None if it did not.
    login: str | None = None


class SinkHandler:
    """Keeps every message; refuses recipients with ``rcpt_reply`` when it is set."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.rcpt_reply: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        parsed = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        assert server.transport is not None
        tls = server.transport.get_extra_info("ssl_object")
        login = session.login_data.decode() if session.login_data else None
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                parsed,
                tls.version() if tls else None,
                login,
            )
        )
        return "250 Message accepted"


class SmtpSink(Controller):
    """An aiosmtpd server on 127.0.0.1; ``port=0`` lets the OS choose, read back after start.

    ``options`` go to aiosmtpd: ``ssl_context`` (TLS from the start), ``tls_context`` and
    ``require_starttls`` (STARTTLS), ``authenticator`` and ``auth_required`` (AUTH), etc.
    """

    def __init__(self, handler: SinkHandler, port: int = 0, **options: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=port, **options)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    #: The parsed event if the signature verified, else None.
    event: Any
    error: str = ""


@dataclass(frozen=True)
class Reply:
    """What a receiver answers instead of its usual reply."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class WebhookReceiver:
    """An HTTP endpoint that verifies each request with ``standardwebhooks``.

    Answers 204 when the signature verifies, 400 when it does not, and the next status in
    ``fail_with`` first if any are queued (to play a receiver that is down); ``reply``, when
    set, replaces the answer to a verified request, body and headers included.
    """

    url: str = ""
    secret: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    fail_with: list[int] = field(default_factory=list)
    reply: Reply | None = None
    port: int = 0

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        try:
            event = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as error:
            self.deliveries.append(Delivery(headers, body, None, str(error)))
            return 400
        self.deliveries.append(Delivery(headers, body, event))
        return self.fail_with.pop(0) if self.fail_with else 204

    @property
    def verified(self) -> list[Any]:
        return [d.event for d in self.deliveries if d.event is not None]
