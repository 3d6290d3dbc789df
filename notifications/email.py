"""Email over SMTP: MIME building and a channel that sends a batch over one connection."""

from __future__ import annotations

import secrets
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.message import Message as MimeMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr, formatdate
from typing import Any, Literal, Protocol

from notifications.message import DeliveryResult, Message

# The email package's classic API: several times faster than ``EmailMessage`` with a modern
# policy, which matters when a batch holds thousands of messages. Bodies are 7-bit on the
# wire (quoted-printable when needed) for servers without 8BITMIME; long headers such as a
# List-Unsubscribe URL are not folded inside a token, so receivers read them whole.
#: SMTP's limit on a line; headers fold only beyond it, longer lines of text are encoded.
MAX_LINE = 998


class _WirePolicy(Compat32):
    """compat32 that writes a header fitting on one line as it is, without re-parsing it.

    Every value is ASCII by then (encoded words where needed), so this is what the email
    package would write anyway, at a fraction of the cost.
    """

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(value, str) and value.isascii() and len(name) + len(value) + 2 <= MAX_LINE:
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)  # type: ignore[misc]


WIRE_POLICY = _WirePolicy(linesep="\r\n", max_line_length=MAX_LINE)
UTF8_QP = Charset("utf-8")
UTF8_QP.body_encoding = QP

Security = Literal["none", "starttls", "ssl"]
SECURITY_MODES: tuple[Security, ...] = ("none", "starttls", "ssl")


class MailSender(Protocol):
    def send(self, message: Message) -> DeliveryResult: ...


class MailChannel(Protocol):
    """Anything that sends emails; ``batch()`` opens what a run of sends shares."""

    def batch(self) -> AbstractContextManager[MailSender]: ...


def _address(name: str, address: str) -> str:
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(c.isspace() or c in '<>",' for c in address):
        raise ValueError(f"{address!r} is not an address email can be sent to")
    return formataddr((name, address), charset="utf-8")


def _header(value: str) -> str:
    return value if value.isascii() else Header(value, "utf-8").encode()


def _text_part(content: str, subtype: str) -> MIMEText:
    plain = content.isascii() and all(len(line) <= MAX_LINE for line in content.splitlines())
    return MIMEText(content, subtype, "us-ascii" if plain else UTF8_QP)  # type: ignore[arg-type]


def build_mime(message: Message) -> MimeMessage:
    """The message as MIME: text/plain, plus text/html as an alternative when there is one.

    Raises ValueError for an address that cannot be written.
    """
    text = _text_part(message.text, "plain")
    mime: MimeMessage = text
    if message.html:
        mime = MIMEMultipart("alternative", _subparts=[text, _text_part(message.html, "html")])
        # A boundary of our own spares the generator a regex per message to invent one;
        # "=_" never occurs in quoted-printable text, and the rest is random.
        mime.set_boundary(f"=_{secrets.token_hex(16)}")
    mime["Message-ID"] = message.message_id
    mime["Date"] = format_datetime(message.date) if message.date else formatdate(usegmt=True)
    mime["From"] = _address(message.sender_name, message.sender)
    mime["To"] = _address(message.recipient_name, message.recipient)
    if message.reply_to:
        mime["Reply-To"] = _header(message.reply_to)
    mime["Subject"] = _header(message.subject)
    for name, value in message.headers.items():
        mime[name] = _header(value)
    return mime


def wire_bytes(message: Message) -> bytes:
    """The message exactly as it goes over SMTP, CRLF line ends."""
    return build_mime(message).as_bytes(policy=WIRE_POLICY)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    security: Security = "none"
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"SMTP security must be one of {', '.join(SECURITY_MODES)}")


def _classify(code: int, text: bytes | str, what: str) -> DeliveryResult:
    """4xx is worth another try later; 5xx is the server's final word on this message."""
    answer = text.decode(errors="replace") if isinstance(text, bytes) else text
    error = f"{what}: {code} {answer}"
    if 500 <= code < 600:
        return DeliveryResult.failed_permanently(error, code, answer)
    return DeliveryResult.temporary(error, code, answer)


class SmtpBatch:
    """One SMTP connection, opened at the first send and shared by the rest of the batch.

    If the server cannot be reached, every later message of the batch fails at once with the
    same temporary error instead of each waiting for its own timeout.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: str = ""

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        context = ssl.create_default_context() if s.security != "none" else None
        smtp: smtplib.SMTP
        if s.security == "ssl":
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: Message) -> DeliveryResult:
        if self._unreachable:
            return DeliveryResult.temporary(self._unreachable)
        try:
            data = wire_bytes(message)
        except ValueError as error:
            return DeliveryResult.failed_permanently(f"cannot be written as email: {error}")
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (OSError, smtplib.SMTPException) as error:
                # Refused, timed out, TLS or login trouble: the server's state, not the
                # message's fault, so it is always worth retrying once someone fixes it.
                self._unreachable = f"cannot reach {self._settings.host}:{self._settings.port}: "
                self._unreachable += str(error) or type(error).__name__
                return DeliveryResult.temporary(self._unreachable)
        try:
            self._smtp.sendmail(message.sender, [message.recipient], data)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            return _classify(code, text, "recipient refused")
        except smtplib.SMTPResponseException as error:
            return _classify(error.smtp_code, error.smtp_error, "refused")
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            return DeliveryResult.temporary(f"connection lost: {error or type(error).__name__}")
        return DeliveryResult.sent(250)

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()


class SmtpChannel:
    """Sends through an SMTP server, one connection per batch."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @contextmanager
    def batch(self) -> Iterator[SmtpBatch]:
        batch = SmtpBatch(self.settings)
        try:
            yield batch
        finally:
            batch.close()
