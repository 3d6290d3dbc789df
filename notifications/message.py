"""What a channel is given to send, and what it reports back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class HeaderInjectionError(ValueError):
    """A header value carrying CR or LF, which would let it add headers of its own."""


def check_header_value(name: str, value: str) -> str:
    """Return ``value`` if it is safe as a header value, else raise ``HeaderInjectionError``."""
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"the {name} header may not contain CR or LF")
    return value


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML part shows as ``<img src="cid:CONTENT_ID">``.

    Sent beside the HTML in a ``multipart/related`` part, which common mail clients show
    without asking to load remote images.
    """

    #: Unique in the message, without the angle brackets: ``chart-1@feedback``.
    content_id: str
    data: bytes
    #: The ``image/`` subtype: ``png``.
    subtype: str = "png"
    filename: str = ""

    def __post_init__(self) -> None:
        for value in (self.content_id, self.subtype, self.filename):
            check_header_value("Content-ID", value)
        if '"' in self.filename or not self.subtype.isalnum():
            raise ValueError("an inline image needs a plain subtype and file name")


@dataclass(frozen=True)
class Message:
    """A rendered email: plain text, an optional HTML alternative and its headers.

    Every header value is checked at construction, so no channel can be handed one that
    smuggles in another header (a ``Bcc:`` in a customer's name, say). Addresses and the
    names shown with them are kept apart, and quoted together only when written.
    """

    #: ``<…@…>``; the same on every attempt so a duplicate can be recognised.
    message_id: str
    sender: str
    recipient: str
    subject: str
    text: str
    html: str = ""
    sender_name: str = ""
    recipient_name: str = ""
    #: An address for answers, e.g. a case owner's, and the name to show with it.
    reply_to: str = ""
    reply_to_name: str = ""
    #: When the message was written; the Date header.
    date: datetime | None = None
    #: Further headers, such as List-Unsubscribe.
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Images the HTML part shows inline (by ``cid:``); none without an HTML part.
    images: tuple[InlineImage, ...] = ()

    def __post_init__(self) -> None:
        for name, value in (
            ("Message-ID", self.message_id),
            ("From", self.sender),
            ("From", self.sender_name),
            ("To", self.recipient),
            ("To", self.recipient_name),
            ("Subject", self.subject),
            ("Reply-To", self.reply_to),
            ("Reply-To", self.reply_to_name),
            *self.headers.items(),
        ):
            check_header_value(name, name)
            check_header_value(name, value)


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one attempt; ``permanent`` failures are not worth retrying."""

    ok: bool
    permanent: bool = False
    error: str = ""
    #: The SMTP reply code or HTTP status, when the other side answered.
    status: int | None = None
    #: The start of the other side's answer, for the delivery log.
    response: str = ""
    #: The answer's length in bytes, when it was counted (webhook replies).
    response_length: int | None = None

    @classmethod
    def sent(
        cls, status: int | None = None, response: str = "", length: int | None = None
    ) -> DeliveryResult:
        return cls(ok=True, status=status, response=response, response_length=length)

    @classmethod
    def temporary(
        cls, error: str, status: int | None = None, response: str = "", length: int | None = None
    ) -> DeliveryResult:
        return cls(ok=False, error=error, status=status, response=response, response_length=length)

    @classmethod
    def failed_permanently(
        cls, error: str, status: int | None = None, response: str = ""
    ) -> DeliveryResult:
        return cls(ok=False, permanent=True, error=error, status=status, response=response)
