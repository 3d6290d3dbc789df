"""Routing rules: which survey of a kind an interaction or an NPS enrolment goes to."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base, enum_column
from feedback_app.models.surveys import Survey
from surveys.kinds import SurveyKind
from surveys.routing import Conditions


class RoutingRule(Base):
    """One rule of a kind's ordered list (``surveys.routing``); its conditions that are
    None match anything."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind))
    #: The rule's place among its kind's rules, lowest first; not necessarily contiguous.
    position: Mapped[int]
    #: Of ``kind``; deleting the survey deletes its rules.
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    channel: Mapped[str | None] = mapped_column(sa.String(200))
    team: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str | None] = mapped_column(sa.String(200))
    locale: Mapped[str | None] = mapped_column(sa.String(200))
    property_name: Mapped[str | None] = mapped_column(sa.String(200))
    property_value: Mapped[str | None] = mapped_column(sa.String(200))
    tag: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    survey: Mapped[Survey] = relationship()

    __table_args__ = (sa.Index("ix_routing_rules_kind_position", "kind", "position"),)

    @property
    def conditions(self) -> Conditions:
        return Conditions(
            channel=self.channel,
            team=self.team,
            source=self.source,
            locale=self.locale,
            property_name=self.property_name,
            property_value=self.property_value,
            tag=self.tag,
        )


class DefaultSurvey(Base):
    """The survey a kind's contacts go to when no rule matches, as the admin picked it;
    without a row, the kind's oldest survey."""

    __tablename__ = "default_surveys"

    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind), primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))

    survey: Mapped[Survey] = relationship()
