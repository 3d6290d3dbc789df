"""The tag lists admins keep, and agents' acknowledgements and tags on comments."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback_app.models.base import Base

#: Longest tag name: a tag is a word or two on a checkbox, not a sentence.
MAX_TAG_NAME = 40


class ReviewTag(Base):
    """One tag of a list: the shared list (no team), which every agent is offered, or a
    team's own, offered to its agents after the shared ones.

    Tags are archived rather than deleted, so that the reviews that carry one keep it.
    """

    __tablename__ = "review_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"))
    name: Mapped[str] = mapped_column(sa.String(MAX_TAG_NAME))
    #: ``name.casefold()``: one list never holds "Billing" and "billing".
    folded: Mapped[str] = mapped_column(sa.String(MAX_TAG_NAME * 3))
    #: Order in its list, smallest first.
    position: Mapped[int]
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (
        sa.Index("uq_review_tags_team_folded", "team_id", "folded", unique=True),
        # A unique key counts NULL teams as different, so the shared list needs its own.
        sa.Index(
            "uq_review_tags_shared_folded",
            "folded",
            unique=True,
            postgresql_where=sa.text("team_id IS NULL"),
            sqlite_where=sa.text("team_id IS NULL"),
        ),
    )

    @property
    def list_key(self) -> tuple[bool, int, int, int]:
        """Its place when tags of several lists are shown together: ``LIST_ORDER`` in Python."""
        return (self.team_id is not None, self.team_id or 0, self.position, self.id)


#: Tags of several lists in one order: the shared list first, each list by position.
LIST_ORDER = (ReviewTag.team_id.is_not(None), ReviewTag.team_id, ReviewTag.position, ReviewTag.id)


class CommentReview(Base):
    """An agent's acknowledgement and tags on a response to one of their interactions."""

    __tablename__ = "comment_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), unique=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    tag_rows: Mapped[list[CommentTag]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def tags(self) -> list[ReviewTag]:
        """The review's tags in their lists' order: the shared list first."""
        return sorted((row.tag for row in self.tag_rows), key=lambda tag: tag.list_key)

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]


class CommentTag(Base):
    __tablename__ = "comment_review_tags"

    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comment_reviews.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(sa.ForeignKey("review_tags.id"), primary_key=True)

    tag: Mapped[ReviewTag] = relationship(lazy="joined")
