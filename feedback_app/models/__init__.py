"""All models, imported here so Alembic and the app see one metadata."""

from feedback_app.models.accounts import ApiKey, Role, User
from feedback_app.models.base import Base
from feedback_app.models.followups import (
    CaseEvent,
    CommentReview,
    CommentTag,
    DigestDelivery,
    EventKind,
    FollowUpCase,
    FollowUpRuleSettings,
)
from feedback_app.models.metrics import RollupDimension, ScoreRollup
from feedback_app.models.notifications import (
    MailboxMessage,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    WebhookEndpoint,
    WebhookFormat,
)
from feedback_app.models.operations import WorkerHeartbeat
from feedback_app.models.people import Agent, Customer, Interaction, Team
from feedback_app.models.support import (
    DurationMeasure,
    Span,
    SupportDimension,
    SupportHistogram,
    SupportRollup,
)
from feedback_app.models.surveys import Invitation, Response, Survey, Unsubscribe

__all__ = [
    "Agent",
    "ApiKey",
    "Base",
    "CaseEvent",
    "CommentReview",
    "CommentTag",
    "Customer",
    "DigestDelivery",
    "DurationMeasure",
    "EventKind",
    "FollowUpCase",
    "FollowUpRuleSettings",
    "Interaction",
    "Invitation",
    "MailboxMessage",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
    "Response",
    "Role",
    "RollupDimension",
    "ScoreRollup",
    "Span",
    "SupportDimension",
    "SupportHistogram",
    "SupportRollup",
    "Survey",
    "Team",
    "Unsubscribe",
    "User",
    "WebhookEndpoint",
    "WebhookFormat",
    "WorkerHeartbeat",
]
