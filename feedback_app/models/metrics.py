"""Score rollups: per-day score histograms that make the dashboard fast at any size.

The responses stay the source of truth; ``feedback rollups rebuild`` recomputes this table
from them and ``feedback rollups check`` reports any difference.
"""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, enum_column

#: The highest score of any scale (NPS 0-10); one count column per score.
MAX_SCORE = 10


class RollupDimension(enum.StrEnum):
    """What a rollup row is broken down by; ``all`` rows hold each survey's daily totals."""

    ALL = "all"
    CHANNEL = "channel"
    TEAM = "team"
    AGENT = "agent"
    #: A customer property declared in ``SEGMENTS``; the row's ``segment`` names it.
    SEGMENT = "segment"
    #: A choice of an additional question: ``segment`` is the question's id, ``value`` the
    #: choice's; a response counts once in each choice it picked.
    CHOICE = "choice"


class ScoreRollup(Base):
    """How many responses to one survey, on one UTC day, with one value of one dimension,
    gave each score.

    Each response is counted once per dimension (four rows, and one per declared segment), so
    any breakdown reads only the rows of its own dimension: a year by agent is a few tens of
    thousands of rows, not a million responses. Counts per score (rather than per bucket)
    keep every KPI and its interval exact, and stay true when a survey's thresholds change.
    """

    __tablename__ = "score_rollups"

    dimension: Mapped[RollupDimension] = mapped_column(
        enum_column(RollupDimension), primary_key=True
    )
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    #: The customer property of a ``segment`` row; empty for the other dimensions.
    segment: Mapped[str] = mapped_column(sa.String(100), primary_key=True, default="")
    #: The channel name, the team or agent id as text, or the property's value; empty for
    #: none (and for ``all``).
    value: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    s0: Mapped[int] = mapped_column(default=0)
    s1: Mapped[int] = mapped_column(default=0)
    s2: Mapped[int] = mapped_column(default=0)
    s3: Mapped[int] = mapped_column(default=0)
    s4: Mapped[int] = mapped_column(default=0)
    s5: Mapped[int] = mapped_column(default=0)
    s6: Mapped[int] = mapped_column(default=0)
    s7: Mapped[int] = mapped_column(default=0)
    s8: Mapped[int] = mapped_column(default=0)
    s9: Mapped[int] = mapped_column(default=0)
    s10: Mapped[int] = mapped_column(default=0)

    # Clustered by the key on SQLite: a query reads one dimension's rows of the kind's surveys
    # for a range of days, in key order, and nothing else.
    __table_args__ = {"sqlite_with_rowid": False}


#: The count columns, indexed by score.
SCORE_COLUMNS = tuple(f"s{score}" for score in range(MAX_SCORE + 1))
