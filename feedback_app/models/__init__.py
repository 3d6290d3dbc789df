"""All models, imported here so Alembic and the app see one metadata."""

from feedback_app.accounts.models import AccountLink, LinkPurpose, PasswordResetRequest
from feedback_app.audit.models import ActorKind, ApiKeyUse, AuditEvent
from feedback_app.comment_review.models import CommentReview, CommentTag, ReviewTag
from feedback_app.models.accounts import ApiKey, ApiScope, Role, StaffSession, User
from feedback_app.models.base import Base
from feedback_app.models.channels import ChannelAlias, ChannelLabel
from feedback_app.models.connectors import Connector, ConnectorDelivery, Outcome
from feedback_app.models.delighted import DelightedPerson, DelightedResponse
from feedback_app.models.embed import EmbedRefusal, EmbedRefusalCount, SpentEmbedToken
from feedback_app.models.followups import (
    CaseEvent,
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
from feedback_app.models.routing import DefaultSurvey, RoutingRule
from feedback_app.models.support import (
    DurationMeasure,
    Span,
    SupportDimension,
    SupportHistogram,
    SupportRollup,
)
from feedback_app.models.surveys import Invitation, Response, Survey, Unsubscribe
from feedback_app.privacy.models import ForgottenAddress
from feedback_app.questions.models import QuestionChoice, ResponseAnswer, SurveyQuestion
from feedback_app.reviews.models import ReviewDelivery, ReviewKind
from feedback_app.targets.models import Target
from feedback_app.themes.models import PinnedTheme, Theme, ThemeMention, ThemeRun, ThemeTag
from feedback_app.utilization.models import AgentDay

__all__ = [
    "AccountLink",
    "ActorKind",
    "Agent",
    "AgentDay",
    "ApiKey",
    "ApiKeyUse",
    "ApiScope",
    "AuditEvent",
    "Base",
    "CaseEvent",
    "ChannelAlias",
    "ChannelLabel",
    "CommentReview",
    "CommentTag",
    "Connector",
    "ConnectorDelivery",
    "Customer",
    "DefaultSurvey",
    "DelightedPerson",
    "DelightedResponse",
    "DigestDelivery",
    "DurationMeasure",
    "EmbedRefusal",
    "EmbedRefusalCount",
    "EventKind",
    "FollowUpCase",
    "FollowUpRuleSettings",
    "ForgottenAddress",
    "Interaction",
    "Invitation",
    "LinkPurpose",
    "MailboxMessage",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "PasswordResetRequest",
    "PinnedTheme",
    "QuestionChoice",
    "Response",
    "ResponseAnswer",
    "ReviewDelivery",
    "ReviewKind",
    "ReviewTag",
    "Role",
    "RollupDimension",
    "RoutingRule",
    "ScoreRollup",
    "Span",
    "SpentEmbedToken",
    "StaffSession",
    "SupportDimension",
    "SupportHistogram",
    "SupportRollup",
    "Survey",
    "SurveyQuestion",
    "Target",
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
