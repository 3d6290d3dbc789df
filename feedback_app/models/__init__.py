"""All models, imported here so Alembic and the app see one metadata."""

from feedback_app.models.accounts import ApiKey, Role, User
from feedback_app.models.base import Base
from feedback_app.models.people import Agent, Customer, Interaction, Team
from feedback_app.models.surveys import Invitation, Response, Survey, Unsubscribe

__all__ = [
    "Agent",
    "ApiKey",
    "Base",
    "Customer",
    "Interaction",
    "Invitation",
    "Response",
    "Role",
    "Survey",
    "Team",
    "Unsubscribe",
    "User",
]
