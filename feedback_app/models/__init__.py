"""All models, imported here so Alembic and the app see one metadata."""

from feedback_app.audit.models import ActorKind, ApiKeyUse, AuditEvent
from feedback_app.models.accounts import ApiKey, ApiScope, Role, StaffSession, User
from feedback_app.models.base import Base
from feedback_app.models.connectors import Connector, ConnectorDelivery, Outcome
from feedback_app.models.embed import EmbedRefusalCount, SpentEmbedToken
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
from feedback_app.privacy.models import ForgottenAddress
from feedback_app.themes.models import PinnedTheme, Theme, ThemeMention, ThemeRun, ThemeTag

__all__ = [
    "ActorKind",
    "Agent",
    "ApiKey",
    "ApiKeyUse",
    "ApiScope",
    "AuditEvent",
    "Base",
    "CaseEvent",
    "CommentReview",
    "CommentTag",
    "Connector",
    "ConnectorDelivery",
    "Customer",
    "DigestDelivery",
    "DurationMeasure",
    "EmbedRefusalCount",
    "EventKind",
    "FollowUpCase",
    "FollowUpRuleSettings",
    "ForgottenAddress",
    "Interaction",
    "Invitation",
    "MailboxMessage",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "PinnedTheme",
    "Response",
    "Role",
    "RollupDimension",
    "ScoreRollup",
    "Span",
    "SpentEmbedToken",
    "StaffSession",
    "SupportDimension",
    "SupportHistogram",
    "SupportRollup",
    "Survey",
    "Team",
    "Theme",
    "ThemeMention",
    "ThemeRun",
    "ThemeTag",
    "Unsubscribe",
    "User",
    "WebhookEndpoint",
    "WebhookFormat",
    "WorkerHeartbeat",
]
