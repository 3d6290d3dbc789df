"""Customers, the support organisation, and the interactions between them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base
from surveys import channels

if TYPE_CHECKING:
    from feedback_app.models.surveys import Invitation


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: The user who owns follow-up cases from this team's interactions.
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased helpdesk address; matches ``User.email`` for agents who log in. None for
    #: an agent known only by name (from an export), until a post brings the address.
    email: Mapped[str | None] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))

    team: Mapped[Team | None] = relationship()

    @property
    def label(self) -> str:
        """How the dashboard names the agent: by name, else by email (every agent has one)."""
        return self.name or self.email or ""


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased; the identity a helpdesk and an embed share.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    external_id: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    #: BCP 47 tag such as ``fr`` or ``pt-BR``; picks the language of emails and pages.
    locale: Mapped[str | None] = mapped_column(sa.String(35))
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Enrolled for periodic NPS; ``nps_next_at`` is when the next one is due.
    nps_enrolled: Mapped[bool] = mapped_column(default=False)
    nps_next_at: Mapped[datetime | None] = mapped_column(index=True)
    #: Set by a hard bounce; no invitation is sent to a bounced address.
    bounced_at: Mapped[datetime | None]
    #: The lifecycle retention is measured on: a customer from ``customer_since`` until
    #: ``churned_at``; a customer without ``customer_since`` is not counted.
    customer_since: Mapped[datetime | None] = mapped_column(index=True)
    churned_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Interaction(Base):
    __tablename__ = "interactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Where it came from: ``api``, or the id of the connector that received it.
    source: Mapped[str] = mapped_column(sa.String(60), default="api", server_default="api")
    #: The helpdesk's ticket or conversation id; the same source posting it again updates
    #: this row.
    external_id: Mapped[str] = mapped_column(sa.String(200))
    #: None for an anonymous contact (a call from an unknown number): counted, never
    #: surveyed; and once its customer was forgotten, the interaction still counts, tied
    #: to nobody.
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE")
    )
    #: Its channel's label (``surveys.channels``), as the alias table named it on arrival.
    channel: Mapped[str] = mapped_column(sa.String(channels.MAX_LENGTH), default=channels.OTHER)
    #: The ticket's type or category, an open label such as "Billing".
    topic: Mapped[str | None] = mapped_column(sa.String(200))
    #: False for an abandoned call or chat: counted in the volume and abandonment only.
    answered: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    #: The handle time when the helpdesk gives only its total.
    handle_seconds: Mapped[int | None]
    #: The parts of handle time: talk, hold and after-call work.
    talk_seconds: Mapped[int | None]
    hold_seconds: Mapped[int | None]
    after_work_seconds: Mapped[int | None]
    #: When the helpdesk gives the first response as a duration rather than a time.
    first_response_seconds: Mapped[int | None]
    #: The helpdesk's own first-contact-resolution flag, when it sends one; for a forgotten
    #: customer's interactions, the verdict their repeat contacts gave (``privacy.forget``).
    first_contact_resolved: Mapped[bool | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: Written or changed since the support rollups last counted it
    #: (``services.support.settling``); a new row is, whoever writes it.
    unsettled: Mapped[bool] = mapped_column(default=True, server_default=sa.false())
    #: How the support rollups count it now (``services.support.entries``); empty until then.
    counted: Mapped[dict[str, Any] | None]
    #: The routing rule that chose its survey (``feedback_app.routing``), by the id it had;
    #: None for its kind's default, a connector's own survey, or no survey.
    routing_rule_id: Mapped[int | None]
    #: Why its survey, in words, as the API answers; None when no survey was asked.
    routing_reason: Mapped[str | None] = mapped_column(sa.String(500))

    customer: Mapped[Customer | None] = relationship()
    agent: Mapped[Agent | None] = relationship()
    team: Mapped[Team | None] = relationship()
    #: Read-only, oldest first: the first is the one its ingest made (``ingest_interaction``).
    invitations: Mapped[list[Invitation]] = relationship(viewonly=True, order_by="Invitation.id")

    __table_args__ = (
        sa.Index("ix_interactions_customer_opened", "customer_id", "opened_at"),
        sa.UniqueConstraint("source", "external_id", name="uq_interactions_source_external_id"),
        sa.Index(
            "ix_interactions_unsettled",
            "id",
            postgresql_where=sa.text("unsettled"),
            sqlite_where=sa.text("unsettled"),
        ),
    )
