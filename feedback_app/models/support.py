"""Support rollups: per-day sums and duration histograms of the interactions.

The interactions stay the source of truth; ``feedback rollups rebuild`` recomputes these
tables from them and ``feedback rollups check`` reports any difference.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, enum_column
from surveys.support import DenseHistogram


class SupportDimension(enum.StrEnum):
    """What a support rollup row is broken down by; ``all`` rows hold the daily totals."""

    ALL = "all"
    CHANNEL = "channel"
    TEAM = "team"
    AGENT = "agent"
    TOPIC = "topic"
    #: A customer property declared in ``SEGMENTS``; the row's ``segment`` names it.
    SEGMENT = "segment"


class DurationMeasure(enum.StrEnum):
    """The durations whose medians the histograms give."""

    RESOLUTION = "resolution"
    FIRST_RESPONSE = "first_response"


class Span(enum.StrEnum):
    """How many days a rollup row covers: one, or a calendar month (dated its first)."""

    DAY = "day"
    MONTH = "month"


class SupportRollup(Base):
    """The sums (``surveys.support.SupportTally``) of the interactions counted on one UTC
    day (or, summed, one calendar month, dated its first day) with one value of one
    dimension: a year by agent reads twelve month rows per agent.

    A contact adds its volume and abandonment on the day it opened, and its FCR verdict and
    times on the day it was resolved (the day it opened when it has no resolution time).
    Sums are exact integers; sums of squares, used only for intervals, are floats.
    """

    __tablename__ = "support_rollups"

    dimension: Mapped[SupportDimension] = mapped_column(
        enum_column(SupportDimension), primary_key=True
    )
    #: The customer property of a ``segment`` row; empty for the other dimensions.
    segment: Mapped[str] = mapped_column(sa.String(100), primary_key=True, default="")
    span: Mapped[Span] = mapped_column(enum_column(Span), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    #: The channel, team or agent id as text, topic, or the property's value; empty for none
    #: (and for ``all``).
    value: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    volume: Mapped[int] = mapped_column(default=0)
    abandoned: Mapped[int] = mapped_column(default=0)
    fcr_n: Mapped[int] = mapped_column(default=0)
    fcr_yes: Mapped[int] = mapped_column(default=0)
    handle_n: Mapped[int] = mapped_column(default=0)
    handle_sum: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    handle_sq: Mapped[float] = mapped_column(sa.Float, default=0)
    talk_n: Mapped[int] = mapped_column(default=0)
    talk_sum: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    talk_sq: Mapped[float] = mapped_column(sa.Float, default=0)
    hold_n: Mapped[int] = mapped_column(default=0)
    hold_sum: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    hold_sq: Mapped[float] = mapped_column(sa.Float, default=0)
    after_work_n: Mapped[int] = mapped_column(default=0)
    after_work_sum: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    after_work_sq: Mapped[float] = mapped_column(sa.Float, default=0)
    resolution_n: Mapped[int] = mapped_column(default=0)
    resolution_sum: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    resolution_sq: Mapped[float] = mapped_column(sa.Float, default=0)
    first_response_n: Mapped[int] = mapped_column(default=0)
    first_response_sum: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    first_response_sq: Mapped[float] = mapped_column(sa.Float, default=0)

    __table_args__ = {"sqlite_with_rowid": False}


class HistogramBytes(sa.types.TypeDecorator[DenseHistogram]):
    """A ``DenseHistogram`` stored as its bytes: read back as an array without parsing a
    number per bucket, which is what a year by agent's hundreds of rows cost as JSON."""

    impl = sa.LargeBinary
    cache_ok = True

    def process_bind_param(self, value: DenseHistogram | None, dialect: Any) -> bytes | None:
        return None if value is None else value.to_bytes()

    def process_result_value(self, value: bytes | None, dialect: Any) -> DenseHistogram | None:
        return None if value is None else DenseHistogram.from_bytes(bytes(value))


class SupportHistogram(Base):
    """How many contacts counted in one day (or calendar month) with one value of one
    dimension had a duration in each logarithmic bucket (``surveys.support.bucket_of``).

    One row holds the whole histogram: a median needs every bucket, and a year by agent is
    then a few hundred rows rather than one per agent, day and bucket. Only the worker, an
    import and a rebuild write it, each row locked while it is merged.
    """

    __tablename__ = "support_histograms"

    measure: Mapped[DurationMeasure] = mapped_column(enum_column(DurationMeasure), primary_key=True)
    dimension: Mapped[SupportDimension] = mapped_column(
        enum_column(SupportDimension), primary_key=True
    )
    segment: Mapped[str] = mapped_column(sa.String(100), primary_key=True, default="")
    span: Mapped[Span] = mapped_column(enum_column(Span), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    #: Contacts per bucket, from the first bucket with any to the last.
    buckets: Mapped[DenseHistogram] = mapped_column(HistogramBytes)

    __table_args__ = {"sqlite_with_rowid": False}
