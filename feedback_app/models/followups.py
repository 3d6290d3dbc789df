"""Follow-up cases opened by low scores and their timeline."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.accounts import User
from feedback_app.models.base import Base, enum_column
from feedback_app.models.people import Agent, Customer, Interaction, Team
from feedback_app.models.surveys import Response, Survey
from surveys.bucketing import Bucket
from surveys.cases import CaseClock, CaseStatus, Outcome
from surveys.followups import FollowUpRule, OwnerPolicy, Priority
from surveys.kinds import SurveyKind


class FollowUpRuleSettings(Base):
    """A survey's own follow-up rule; surveys without a row use ``DEFAULT_RULES``."""

    __tablename__ = "followup_rules"

    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    #: Scores at or below open a case; empty turns follow-up off for the survey.
    open_max: Mapped[int | None]
    #: Scores at or below make the case high priority; empty for none.
    high_max: Mapped[int | None]
    deadline_hours: Mapped[int]
    remind_before_hours: Mapped[int]
    owner_policy: Mapped[OwnerPolicy] = mapped_column(enum_column(OwnerPolicy))
    resurvey: Mapped[bool]
    #: Open cases for anonymous answers too (off: only answers from a known customer).
    anonymous_cases: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime]

    def as_rule(self) -> FollowUpRule:
        return FollowUpRule(
            open_max=self.open_max,
            high_max=self.high_max,
            deadline_hours=self.deadline_hours,
            remind_before_hours=self.remind_before_hours,
            owner_policy=self.owner_policy,
            resurvey=self.resurvey,
            anonymous_cases=self.anonymous_cases,
        )


class FollowUpCase(Base):
    """One low response being followed up; at most one case per response."""

    __tablename__ = "followup_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), unique=True
    )
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    #: Copied from the response so the queue filters without joins.
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL")
    )
    interaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("interactions.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agents.id", ondelete="SET NULL"))
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind))
    #: The response's current score and bucket; the customer may edit them.
    score: Mapped[int]
    bucket: Mapped[Bucket] = mapped_column(enum_column(Bucket))
    opening_score: Mapped[int]
    priority: Mapped[Priority] = mapped_column(enum_column(Priority))
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus))
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: The owner came from round-robin; the next round-robin pick follows the latest such case.
    round_robin: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    remind_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    #: First message to the customer or first move to a state that implies contact.
    first_contact_at: Mapped[datetime | None]
    #: When it was resolved or closed; cleared on reopening.
    closed_at: Mapped[datetime | None]
    within_deadline: Mapped[bool | None]
    #: Set when the customer edited the score above the opening threshold; the case stays.
    score_raised_at: Mapped[datetime | None]
    #: SHA-256 of the "Did we resolve your concern?" link token, once that was sent.
    resurvey_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    resurvey_sent_at: Mapped[datetime | None]
    #: The customer's answer to the re-survey.
    recovered: Mapped[bool | None]
    recovered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    response: Mapped[Response] = relationship()
    survey: Mapped[Survey] = relationship()
    customer: Mapped[Customer | None] = relationship()
    interaction: Mapped[Interaction | None] = relationship()
    team: Mapped[Team | None] = relationship()
    agent: Mapped[Agent | None] = relationship()
    owner: Mapped[User | None] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # The reminder and escalation sweeps, and the queue sorted by deadline.
        sa.Index("ix_followup_cases_status_due_at", "status", "due_at"),
        sa.Index("ix_followup_cases_status_remind_at", "status", "remind_at"),
    )

    @property
    def clock(self) -> CaseClock:
        return CaseClock(
            status=self.status,
            remind_at=self.remind_at,
            due_at=self.due_at,
            reminded_at=self.reminded_at,
            escalated_at=self.escalated_at,
        )


class EventKind(enum.StrEnum):
    OPENED = "opened"
    ASSIGNED = "assigned"
    STATUS = "status"
    OUTCOME = "outcome"
    NOTE = "note"
    MESSAGE = "message"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    SCORE = "score"
    RESURVEY = "resurvey"
    RECOVERY = "recovery"


class CaseEvent(Base):
    """One entry of a case's timeline: who did what, when. Internal notes are events too."""

    __tablename__ = "followup_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("followup_cases.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Who acted, as shown: a user's email, ``system``, ``customer`` or ``api:<key name>``.
    actor: Mapped[str] = mapped_column(sa.String(320))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    #: The change, e.g. ``{"from": "open", "to": "in_progress"}``.
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: A note's or message's text.
    body: Mapped[str] = mapped_column(sa.Text, default="")

    case: Mapped[FollowUpCase] = relationship(back_populates="events")


class DigestDelivery(Base):
    """A weekly digest queued for a manager; one per manager and week."""

    __tablename__ = "followup_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    week_start: Mapped[datetime]
    created_at: Mapped[datetime]

    __table_args__ = (
        sa.UniqueConstraint("user_id", "week_start", name="uq_followup_digests_user_week"),
    )
