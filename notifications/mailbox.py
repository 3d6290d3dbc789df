"""A channel that keeps messages instead of sending them: development and tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from notifications.email import wire_bytes
from notifications.message import DeliveryResult, Message


class MailboxChannel:
    """Hands each message to ``store`` (a list's ``append``, or a database writer).

    The message is still written in its wire format first, so what would fail on a real
    server fails here.
    """

    def __init__(self, store: Callable[[Message], None]) -> None:
        self._store = store

    @contextmanager
    def batch(self) -> Iterator[MailboxChannel]:
        yield self

    def send(self, message: Message) -> DeliveryResult:
        try:
            wire_bytes(message)
        except ValueError as error:
            return DeliveryResult.failed_permanently(str(error))
        self._store(message)
        return DeliveryResult.sent(250, "kept in the mailbox")
