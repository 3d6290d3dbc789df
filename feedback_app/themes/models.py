"""Kept comment themes, and the themes managers pinned as tags.

Themes are a cache of the worker's computation: one ``ThemeRun`` per selection of comments
(a kind, a period and optional filters), its ``Theme`` rows and which responses mention each.

Pinned themes are their own tags rather than more ``ReviewTag`` values on ``CommentReview``:
a comment review is one agent's acknowledgement of a comment on their own work, with a fixed
set of tags the agent picks, while a pinned theme is a phrase a manager chose that the worker
applies to every matching comment. Mixing them would invent reviews nobody made and let the
worker overwrite what an agent chose; a table of pins and one of tagged responses keeps each
fact with its own author.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.accounts import User
from feedback_app.models.base import Base, enum_column
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind


class ThemeRun(Base):
    """The themes of one selection of comments, as the worker last computed them."""

    __tablename__ = "theme_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The selection in one string (``ThemeSelection.scope``), so it is found by one lookup.
    scope: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind))
    since: Mapped[date]
    until: Mapped[date]
    bucket: Mapped[Bucket | None] = mapped_column(enum_column(Bucket))
    #: A channel, team id or agent id, or ``none`` for the responses without one.
    channel: Mapped[str | None] = mapped_column(sa.String(20))
    team: Mapped[str | None] = mapped_column(sa.String(20))
    agent: Mapped[str | None] = mapped_column(sa.String(20))
    #: When a page or the API last asked for it.
    requested_at: Mapped[datetime]
    #: Asked for and never computed, or asked for when the kept themes had grown old.
    pending: Mapped[bool] = mapped_column(default=True)
    computed_at: Mapped[datetime | None]
    #: The comments the themes were found in, in all and by bucket.
    comments: Mapped[int] = mapped_column(default=0)
    comments_by_bucket: Mapped[dict[str, Any]] = mapped_column(default=dict)

    __table_args__ = (sa.Index("ix_theme_runs_pending", "pending", "requested_at"),)


class Theme(Base):
    """One recurring phrase of a run's comments."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("theme_runs.id", ondelete="CASCADE"), index=True
    )
    #: 1 for the best.
    rank: Mapped[int]
    #: Folded words, as comments are matched ("prix eleve").
    phrase: Mapped[str] = mapped_column(sa.String(200))
    #: As the comments write it most ("prix élevés").
    label: Mapped[str] = mapped_column(sa.String(200))
    score: Mapped[float] = mapped_column(sa.Float)
    #: The comments that mention it, in all and by bucket.
    count: Mapped[int]
    by_bucket: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ThemeMention(Base):
    """A response whose comment mentions a theme; ``example`` marks the few shown."""

    __tablename__ = "theme_mentions"

    theme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True
    )
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    example: Mapped[bool] = mapped_column(default=False)


class PinnedTheme(Base):
    """A phrase a manager pinned as a tag: matching comments are tagged with it."""

    __tablename__ = "pinned_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(sa.String(200), unique=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    pinned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    pinned_at: Mapped[datetime]
    #: Responses written or changed up to this (updated_at, id) have been matched with it.
    tagged_through: Mapped[datetime]
    tagged_through_id: Mapped[int] = mapped_column(default=0)

    pinned_by: Mapped[User | None] = relationship()


class ThemeTag(Base):
    """A response tagged with a pinned theme its comment mentions."""

    __tablename__ = "theme_tags"

    pinned_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pinned_themes.id", ondelete="CASCADE"), primary_key=True
    )
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    tagged_at: Mapped[datetime]
