"""Audit events and the daily counts of API key use."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, enum_column


class ActorKind(enum.StrEnum):
    """Who acted: a signed-in user, an API key, a command, the worker, or nobody signed in."""

    USER = "user"
    API_KEY = "api_key"
    CLI = "cli"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


class AuditEvent(Base):
    """One action. Names people only by id (``customer:12``), never by address, so that
    forgetting a customer leaves nothing of theirs here; never holds a secret."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_kind: Mapped[ActorKind] = mapped_column(enum_column(ActorKind))
    #: The user's or API key's id. No foreign key: the record outlives the account.
    actor_id: Mapped[int | None]
    #: As shown: a user's email, ``<key name> (<key prefix>…)``, ``cli``, ``system`` or
    #: ``anonymous``.
    actor: Mapped[str] = mapped_column(sa.String(320))
    #: The client's address (behind ``PROXY_HOPS`` proxies, the one they saw); empty for
    #: commands and the worker.
    address: Mapped[str | None] = mapped_column(sa.String(64))
    #: What was done, e.g. ``auth.sign_in`` (see ``audit.service.ACTIONS``).
    action: Mapped[str] = mapped_column(sa.String(60))
    #: What it was done to, as ``type:id``, e.g. ``survey:3``; empty when nothing in particular.
    target: Mapped[str] = mapped_column(sa.String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (sa.Index("ix_audit_events_action_at", "action", "at"),)


class ApiKeyUse(Base):
    """How many requests one API key made with one scope on one UTC day."""

    __tablename__ = "api_key_uses"

    key_id: Mapped[int] = mapped_column(
        sa.ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True, index=True)
    count: Mapped[int] = mapped_column(default=0)
