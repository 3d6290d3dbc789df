"""Outbound delivery of rendered messages: email and webhooks. No web framework here."""

from notifications.email import (
    MailChannel,
    MailSender,
    SmtpChannel,
    SmtpSettings,
    wire_bytes,
)
from notifications.mailbox import MailboxChannel
from notifications.message import DeliveryResult, HeaderInjectionError, InlineImage, Message
from notifications.retry import RetryPolicy, retry_delay
from notifications.webhook import WebhookChannel, WebhookRequest, new_secret, sign

__all__ = [
    "DeliveryResult",
    "HeaderInjectionError",
    "InlineImage",
    "MailChannel",
    "MailSender",
    "MailboxChannel",
    "Message",
    "RetryPolicy",
    "SmtpChannel",
    "SmtpSettings",
    "WebhookChannel",
    "WebhookRequest",
    "new_secret",
    "retry_delay",
    "sign",
    "wire_bytes",
]
