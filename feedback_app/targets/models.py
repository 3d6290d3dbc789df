"""A KPI's target, overall or for one team."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base
from feedback_app.models.people import Team


class Target(Base):
    """The value ``kpi`` should reach by ``deadline``; one per KPI overall and per team
    (kept by the service: a unique constraint would let many NULL teams through)."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A name from ``surveys.targets.KPIS``, as the dashboard and the API name the figure.
    kpi: Mapped[str] = mapped_column(sa.String(40))
    #: None: the overall figure's target.
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    #: In the figure's own unit: percent, NPS points, the CES scale, seconds.
    value: Mapped[float] = mapped_column(sa.Float)
    deadline: Mapped[date]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    team: Mapped[Team | None] = relationship()
