"""The outbox: every email and webhook is a row written with the event that causes it, and
``deliver_outbox`` sends the due rows after commit.

Delivery is at least once. A deliverer claims due rows by pushing ``next_attempt_at`` ahead by
``OUTBOX_LEASE_SECONDS`` and commits that before sending, so a deliverer that crashes after
sending but before recording leaves its rows to come due again; the repeat carries the same
Message-ID or webhook-id, and results are committed every ``RESULTS_PER_COMMIT`` sends, which
bounds how many can repeat. A batch stops before its lease could end under it and gives back
what it has not tried, so two deliverers never hold the same row.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import (
    Invitation,
    MailboxMessage,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    WebhookEndpoint,
)
from feedback_app.services.claims import claim
from notifications import (
    DeliveryResult,
    InlineImage,
    MailboxChannel,
    MailChannel,
    Message,
    RetryPolicy,
    SmtpChannel,
    SmtpSettings,
    WebhookChannel,
    WebhookRequest,
    retry_delay,
    wire_bytes,
)

#: Sends between two commits of their results: at most this many repeat after a crash.
RESULTS_PER_COMMIT = 50
UNSENT = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.DEAD)


def address_problem(address: str) -> str:
    """Why ``address`` cannot receive email (email-validator's reason), or "" if it can."""
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        return f"invalid address {address!r}: {error}"
    return ""


def _email_row(message: Message, now: datetime, purpose: str) -> dict[str, Any]:
    """The outbox row's columns for ``message``; dead at once if its address is unusable."""
    problem = address_problem(message.recipient)
    return {
        "channel": OutboxChannel.EMAIL,
        "status": OutboxStatus.DEAD if problem else OutboxStatus.PENDING,
        "purpose": purpose,
        "delivery_id": message.message_id,
        "recipient": message.recipient,
        "subject": message.subject[:500],
        "payload": {
            "sender": message.sender,
            "sender_name": message.sender_name,
            "recipient_name": message.recipient_name,
            "reply_to": message.reply_to,
            "reply_to_name": message.reply_to_name,
            "text": message.text,
            "html": message.html,
            "headers": dict(message.headers),
            "images": [_image_data(image) for image in message.images],
        },
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": problem,
        "response_body": "",
        "created_at": now,
    }


def _image_data(image: InlineImage) -> dict[str, str]:
    """An inline image as the outbox row's JSON keeps it (its bytes in base64)."""
    return {
        "content_id": image.content_id,
        "subtype": image.subtype,
        "filename": image.filename,
        "data": base64.b64encode(image.data).decode(),
    }


def _image_of(data: dict[str, str]) -> InlineImage:
    return InlineImage(
        data["content_id"], base64.b64decode(data["data"]), data["subtype"], data["filename"]
    )


def queue_email(
    message: Message, now: datetime, *, purpose: str, invitation: Invitation | None = None
) -> OutboxMessage:
    """Add ``message`` to the outbox in the caller's transaction; does not commit.

    An invalid recipient address is dead-lettered at once with the reason, so the admin sees
    it on the outbox page instead of the caller failing.

    :param purpose: what it is for, e.g. ``invitation``, ``reminder``, ``followup_alert``,
        ``reply``, ``digest``; shown on the outbox page.
    :param invitation: the invitation it carries, if any.
    """
    row = OutboxMessage(**_email_row(message, now, purpose), invitation=invitation)
    db.session.add(row)
    return row


def queue_invitation_emails(
    emails: Sequence[tuple[Message, Invitation]], now: datetime, *, purpose: str
) -> None:
    """``queue_email`` for many stored invitations' emails, in one multi-row INSERT.

    Same rows and the same transaction as one call each; does not commit.
    """
    if emails:
        rows = [
            _email_row(message, now, purpose) | {"invitation_id": invitation.id}
            for message, invitation in emails
        ]
        db.session.execute(sa.insert(OutboxMessage), rows)


def message_of(row: OutboxMessage | sa.Row[Any]) -> Message:
    """The email an outbox row (or a row of its columns) holds, exactly as queued.

    Rows queued before names were kept apart hold ``Name <address>`` in ``reply_to``.
    """
    data = row.payload
    if "reply_to_name" in data:
        reply_to_name, reply_to = data["reply_to_name"], data["reply_to"]
    else:
        reply_to_name, reply_to = parseaddr(data["reply_to"])
    return Message(
        message_id=row.delivery_id,
        sender=data["sender"],
        sender_name=data["sender_name"],
        recipient=row.recipient,
        recipient_name=data["recipient_name"],
        reply_to=reply_to,
        reply_to_name=reply_to_name,
        subject=row.subject,
        text=data["text"],
        html=data["html"],
        headers=data["headers"],
        date=row.created_at,
        # Rows queued before emails carried images have none.
        images=tuple(_image_of(image) for image in data.get("images", [])),
    )


def _smtp_channel(app: Flask) -> MailChannel:
    config = app.config
    return SmtpChannel(
        SmtpSettings(
            host=str(config["SMTP_HOST"]),
            port=int(config["SMTP_PORT"]),
            username=str(config["SMTP_USERNAME"]),
            password=str(config["SMTP_PASSWORD"]),
            security=config["SMTP_SECURITY"],
            timeout=float(config["SMTP_TIMEOUT"]),
            ca_file=str(config["SMTP_CA_FILE"]),
        )
    )


def _readable(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded, for people to read."""
    return str(make_header(decode_header(value)))


def keep_in_mailbox(message: Message) -> None:
    """The development mailbox's store: one ``MailboxMessage`` row, in the current session.

    Its headers are read back from the wire format, so the mailbox shows what SMTP would send.
    """
    mime = message_from_bytes(wire_bytes(message))
    db.session.add(
        MailboxMessage(
            message_id=message.message_id,
            sender=_readable(mime["From"]),
            recipient=_readable(mime["To"]),
            subject=message.subject[:500],
            text=message.text,
            html=message.html,
            headers={name: _readable(value) for name, value in mime.items()},
            created_at=message.date,
        )
    )


def _mailbox_channel(app: Flask) -> MailChannel:
    return MailboxChannel(keep_in_mailbox)


#: ``MAIL_BACKEND`` → the channel it builds.
MAIL_BACKENDS: dict[str, Callable[[Flask], MailChannel]] = {
    "smtp": _smtp_channel,
    "mailbox": _mailbox_channel,
}


def mail_channel() -> MailChannel:
    """The configured mail backend's channel."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return MAIL_BACKENDS[app.config["MAIL_BACKEND"]](app)


def retry_policy() -> RetryPolicy:
    config = current_app.config
    return RetryPolicy(
        max_attempts=int(config["OUTBOX_MAX_ATTEMPTS"]),
        base_seconds=float(config["OUTBOX_RETRY_BASE_SECONDS"]),
        max_seconds=float(config["OUTBOX_RETRY_MAX_SECONDS"]),
    )


@dataclass(frozen=True)
class _Claimed:
    """What sending one row needs, read before the claim is committed."""

    id: int
    attempts: int
    email: Message | None
    webhook: WebhookRequest | None
    #: Set when the row cannot be sent at all (its endpoint was switched off).
    refusal: str = ""


#: What sending a row needs: read as plain rows, not ORM objects, for a cheaper claim.
_SENDING_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.channel,
    OutboxMessage.attempts,
    OutboxMessage.delivery_id,
    OutboxMessage.recipient,
    OutboxMessage.subject,
    OutboxMessage.payload,
    OutboxMessage.endpoint_id,
    OutboxMessage.created_at,
)


def _claim_due(now: datetime, limit: int, only: Sequence[int] | None) -> list[_Claimed]:
    due = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.FAILED)),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    )
    if only is not None:
        due = due.where(OutboxMessage.id.in_(only))
    ids = claim(due, limit=limit)
    by_id = {
        row.id: row
        for row in db.session.execute(sa.select(*_SENDING_COLUMNS).where(OutboxMessage.id.in_(ids)))
    }
    rows = [by_id[id_] for id_ in ids]
    endpoint_ids = {row.endpoint_id for row in rows if row.endpoint_id is not None}
    endpoints = {
        endpoint.id: endpoint
        for endpoint in db.session.scalars(
            sa.select(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoint_ids))
        )
    }
    claimed = []
    for row in rows:
        attempts = row.attempts + 1
        if row.channel is OutboxChannel.EMAIL:
            claimed.append(_Claimed(row.id, attempts, message_of(row), None))
            continue
        endpoint = endpoints[row.endpoint_id] if row.endpoint_id is not None else None
        if endpoint is None or not endpoint.active:
            claimed.append(_Claimed(row.id, attempts, None, None, "the endpoint is off"))
            continue
        request = WebhookRequest(
            endpoint.url, row.delivery_id, row.payload["body"], endpoint.secret
        )
        claimed.append(_Claimed(row.id, attempts, None, request))
    # One statement for the whole lease rather than an UPDATE per row.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(
            attempts=OutboxMessage.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"]),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed


def _outcome(
    item: _Claimed, result: DeliveryResult, now: datetime, rand: Callable[[], float]
) -> dict[str, Any]:
    """The row's new column values after one attempt."""
    values: dict[str, Any] = {
        "response_status": result.status,
        "response_body": result.response,
        "response_length": result.response_length,
    }
    if result.ok:
        return values | {"status": OutboxStatus.SENT, "sent_at": now, "last_error": ""}
    delay = None if result.permanent else retry_delay(retry_policy(), item.attempts, rand)
    if delay is None:
        error = result.error
        if not result.permanent:
            error += f" (gave up after {item.attempts} attempts)"
        return values | {"status": OutboxStatus.DEAD, "last_error": error}
    return values | {
        "status": OutboxStatus.FAILED,
        "last_error": result.error,
        "next_attempt_at": now + delay,
    }


@contextmanager
def _recorder(
    now: datetime, rand: Callable[[], float]
) -> Iterator[Callable[[_Claimed, DeliveryResult], None]]:
    """Collect results and write them in bulk every ``RESULTS_PER_COMMIT`` sends.

    Rows with the same outcome (every sent one, as a rule) share one UPDATE.
    """
    pending: dict[tuple[tuple[str, Any], ...], list[int]] = {}
    count = 0

    def flush() -> None:
        nonlocal count
        for values, ids in pending.items():
            db.session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(dict(values))
                .execution_options(synchronize_session=False)
            )
        pending.clear()
        count = 0
        db.session.commit()

    def record(item: _Claimed, result: DeliveryResult) -> None:
        nonlocal count
        pending.setdefault(tuple(_outcome(item, result, now, rand).items()), []).append(item.id)
        count += 1
        if count >= RESULTS_PER_COMMIT:
            flush()

    try:
        yield record
    finally:
        flush()


def deliver_outbox(
    now: datetime,
    rand: Callable[[], float] = random.random,
    monotonic: Callable[[], float] = time.monotonic,
    only: Sequence[int] | None = None,
) -> int:
    """Send one batch of due emails and webhooks; commits. Returns how many were attempted.

    Emails share one connection of the mail backend; webhooks share one HTTP session. A
    temporary failure is retried after an exponential backoff with jitter (``rand``), up to
    ``OUTBOX_MAX_ATTEMPTS``; a permanent one (SMTP 5xx, unusable address) is dead at once.

    A batch never outlives its lease: when slow servers (webhooks timing out one after
    another) bring it near the end, it stops and gives its untried rows back, due at once,
    so another deliverer never takes rows that this one is still sending. The first row of
    a batch is always tried, so a lease set too short still makes progress.

    :param monotonic: the clock that times the batch against its lease.
    :param only: send only those of these rows that are due (an admin's test event, sent
        while they wait for its result).
    """
    claimed = _claim_due(now, int(current_app.config["OUTBOX_BATCH_SIZE"]), only)
    if not claimed:
        return 0
    config = current_app.config
    lease_ends = monotonic() + float(config["OUTBOX_LEASE_SECONDS"])
    tried: list[int] = []

    def may_send(longest: float) -> bool:
        """Whether a send that may take ``longest`` seconds still ends within the lease."""
        return not tried or monotonic() + longest < lease_ends

    emails = [item for item in claimed if item.email is not None]
    webhooks = [item for item in claimed if item.webhook is not None]
    with _recorder(now, rand) as record:
        for item in claimed:
            if item.refusal:
                record(item, DeliveryResult.failed_permanently(item.refusal))
                tried.append(item.id)
        smtp_timeout = float(config["SMTP_TIMEOUT"])
        if emails and may_send(smtp_timeout):
            with mail_channel().batch() as sender:
                for item in emails:
                    if not may_send(smtp_timeout):
                        break
                    assert item.email is not None
                    record(item, sender.send(item.email))
                    tried.append(item.id)
        webhook_timeout = float(config["WEBHOOK_TIMEOUT"])
        if webhooks and may_send(webhook_timeout):
            with WebhookChannel(
                webhook_timeout,
                allow_private=bool(config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"]),
                ca_file=str(config["WEBHOOK_CA_FILE"]),
            ) as channel:
                for item in webhooks:
                    if not may_send(webhook_timeout):
                        break
                    assert item.webhook is not None
                    record(item, channel.send(item.webhook))
                    tried.append(item.id)
    _give_back(sorted({item.id for item in claimed} - set(tried)), now)
    return len(tried)


def _give_back(ids: Sequence[int], now: datetime) -> None:
    """Make claimed rows that were not tried due again at once, their attempt not counted."""
    if not ids:
        return
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(attempts=OutboxMessage.attempts - 1, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def retry(statement: sa.Select[tuple[OutboxMessage]], now: datetime) -> int:
    """Make the rows of ``statement`` due now with a fresh set of attempts; commits.

    Works on any row: a failed or dead one is tried again, a sent webhook is re-sent with its
    webhook-id, so a receiver that already has it can drop it.
    """
    ids = list(db.session.scalars(statement.with_only_columns(OutboxMessage.id)))
    if ids:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now)
        )
        audit.record("outbox.retried", "outbox", {"rows": len(ids), "ids": ids[:50]})
    db.session.commit()
    return len(ids)


def retry_unsent(now: datetime) -> int:
    """Make every pending, failed and dead row due now (after fixing an outage); commits."""
    return retry(sa.select(OutboxMessage).where(OutboxMessage.status.in_(UNSENT)), now)


def status_counts() -> dict[OutboxStatus, int]:
    """How many rows are in each status."""
    counts = dict.fromkeys(OutboxStatus, 0)
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    )
    for status, count in rows:
        counts[status] = count
    return counts
