"""One row per review sent: what makes each recipient get each period's review once."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, enum_column


class ReviewKind(enum.StrEnum):
    #: FCR, handle and resolution time, volume by channel, overdue follow-up cases.
    WEEKLY = "weekly"
    #: CSAT, NPS and CES, with the month's detractors' comments.
    MONTHLY = "monthly"


class ReviewDelivery(Base):
    """A review queued for a user; unique per kind, period and user."""

    __tablename__ = "kpi_review_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReviewKind] = mapped_column(enum_column(ReviewKind))
    #: The first day of the week (a Monday) or month reviewed.
    period_start: Mapped[date]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]

    __table_args__ = (
        sa.UniqueConstraint(
            "kind", "period_start", "user_id", name="uq_kpi_review_deliveries_kind_period_user"
        ),
    )
