"""The outbox of emails and webhooks, webhook endpoints, and the development mailbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base, enum_column
from feedback_app.models.surveys import Invitation


class OutboxChannel(enum.StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


class OutboxStatus(enum.StrEnum):
    """``pending`` and ``failed`` rows are sent when due; ``sent`` and ``dead`` are final."""

    PENDING = "pending"
    FAILED = "failed"
    SENT = "sent"
    DEAD = "dead"


class WebhookFormat(enum.StrEnum):
    """``standard``: the event as JSON; ``slack``: a readable Slack incoming-webhook message;
    ``delighted``: Delighted's envelope, so receivers written for Delighted keep working."""

    STANDARD = "standard"
    SLACK = "slack"
    DELIGHTED = "delighted"


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Event types this endpoint receives, e.g. ``["response.created"]``.
    events: Mapped[list[str]] = mapped_column(sa.JSON)
    format: Mapped[WebhookFormat] = mapped_column(enum_column(WebhookFormat))
    #: ``whsec_`` + base64; shown to admins so receivers can verify signatures.
    secret: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """One email or webhook delivery, written in the transaction of the event that causes it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[OutboxChannel] = mapped_column(enum_column(OutboxChannel))
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus))
    #: What it is for: invitation, reminder, followup_alert, reply, digest, or the event type.
    purpose: Mapped[str] = mapped_column(sa.String(40))
    #: Message-ID of an email, webhook-id of a webhook: the same on every attempt, so a
    #: receiver can recognise the duplicate that at-least-once delivery may cause.
    delivery_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: The email address or URL it was addressed to when queued.
    recipient: Mapped[str] = mapped_column(sa.String(2000))
    #: The email's subject or the webhook's event type, for listings.
    subject: Mapped[str] = mapped_column(sa.String(500))
    #: The rendered message (``notifications.Message`` fields) or the webhook body.
    payload: Mapped[dict[str, Any]]
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="SET NULL"), index=True
    )
    endpoint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    #: When it is next due; a deliverer pushes it ahead while sending (a lease), so a
    #: crashed deliverer's rows come due again instead of being lost.
    next_attempt_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    #: SMTP reply code or HTTP status of the last attempt, and the start of the answer.
    response_status: Mapped[int | None]
    response_body: Mapped[str] = mapped_column(sa.Text, default="")
    #: The answer's length in bytes, when counted: webhook replies, read up to
    #: ``notifications.webhook.REPLY_READ_LIMIT`` (a longer one counts one byte more).
    response_length: Mapped[int | None]
    created_at: Mapped[datetime]

    invitation: Mapped[Invitation | None] = relationship()
    endpoint: Mapped[WebhookEndpoint | None] = relationship()

    __table_args__ = (
        # The deliverer's sweep and the admin's listing by status.
        sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )


class MailboxMessage(Base):
    """An email kept by the development mailbox backend instead of being sent."""

    __tablename__ = "mailbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    sender: Mapped[str] = mapped_column(sa.String(600))
    recipient: Mapped[str] = mapped_column(sa.String(600))
    subject: Mapped[str] = mapped_column(sa.String(500))
    text: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str] = mapped_column(sa.Text)
    #: Every header as it would have been sent, in order.
    headers: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
