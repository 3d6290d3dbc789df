"""A connector per helpdesk account, and every delivery it received."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base, enum_column
from feedback_app.models.people import Interaction
from feedback_app.models.surveys import Survey


class Connector(Base):
    __tablename__ = "connectors"

    #: Unguessable: it is the receiving URL's last part, ``/hooks/<id>``.
    id: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    #: A key of ``surveys.connectors.CONNECTORS``.
    type: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The HMAC key (or, for Freshdesk, the shared secret); kept as the webhook endpoints'
    #: secrets are, since verifying needs it. None until the admin copies in the one a
    #: helpdesk issues.
    secret: Mapped[str | None] = mapped_column(sa.String(200))
    #: The secret before the last rotation, still accepted until ``previous_secret_until``.
    previous_secret: Mapped[str | None] = mapped_column(sa.String(200))
    previous_secret_until: Mapped[datetime | None]
    #: The survey to invite to; None for the kind the body names, else the default one.
    survey_id: Mapped[int | None] = mapped_column(sa.ForeignKey("surveys.id", ondelete="SET NULL"))
    #: Seconds after the solve until the invitation; None for the survey's own delay.
    delay_seconds: Mapped[int | None]
    #: Tickets with one of these tags, teams or (raw) channels are skipped; compared
    #: case-insensitively.
    skip_tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    skip_teams: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    skip_channels: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: Intercom: the workspace's access token and REST API base URL, for the lookups.
    access_token: Mapped[str | None] = mapped_column(sa.String(500))
    api_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime]

    survey: Mapped[Survey | None] = relationship()


class Outcome(enum.StrEnum):
    """``pending`` waits for the worker; every other outcome is final."""

    PENDING = "pending"
    CREATED = "created"
    UPDATED = "updated"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    REJECTED = "rejected"


class ConnectorDelivery(Base):
    """One request to a connector's URL, whatever became of it."""

    __tablename__ = "connector_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    connector_id: Mapped[str] = mapped_column(sa.ForeignKey("connectors.id", ondelete="CASCADE"))
    received_at: Mapped[datetime]
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    #: Why it was ignored or rejected (the field named), or what the worker is waiting on.
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: What we answered.
    status_code: Mapped[int]
    #: The helpdesk's id of the delivery or event, when it sends one.
    delivery_key: Mapped[str | None] = mapped_column(sa.String(200))
    ticket_id: Mapped[str | None] = mapped_column(sa.String(200))
    resolved_at: Mapped[datetime | None]
    #: The helpdesk's own name for the ticket's channel, kept as sent.
    channel: Mapped[str | None] = mapped_column(sa.String(200))
    #: The headers the parser reads again in the worker (never credentials).
    headers: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    #: The raw body; emptied after ``BODY_DAYS`` (the purge job).
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    body_sha256: Mapped[str] = mapped_column(sa.String(64))
    interaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("interactions.id", ondelete="SET NULL")
    )
    #: Lookups tried (Intercom); a pending delivery is not tried again before
    #: ``next_attempt_at``.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]

    connector: Mapped[Connector] = relationship()
    interaction: Mapped[Interaction | None] = relationship()

    __table_args__ = (
        # The connector's page lists its latest deliveries; the checks for a repeat.
        sa.Index("ix_connector_deliveries_connector_id", "connector_id", "id"),
        sa.Index("ix_connector_deliveries_key", "connector_id", "delivery_key"),
        sa.Index("ix_connector_deliveries_ticket", "connector_id", "ticket_id"),
        sa.Index("ix_connector_deliveries_sha256", "connector_id", "body_sha256"),
        # The worker's sweep of pending deliveries, and the purge of old bodies.
        sa.Index("ix_connector_deliveries_outcome", "outcome", "next_attempt_at"),
        sa.Index("ix_connector_deliveries_received_at", "received_at"),
    )
