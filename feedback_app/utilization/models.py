"""One agent's day: their shift and how long they were logged in."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base


class AgentDay(Base):
    """An agent's shift and logged-in seconds on one UTC day; posting the day again replaces
    it."""

    __tablename__ = "agent_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("agents.id", ondelete="CASCADE"))
    #: The team the agent worked for that day, as posted; None: the agent's team.
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="SET NULL"))
    day: Mapped[date] = mapped_column(index=True)
    shift_seconds: Mapped[int]
    logged_in_seconds: Mapped[int]
    updated_at: Mapped[datetime]

    __table_args__ = (sa.UniqueConstraint("agent_id", "day"),)
