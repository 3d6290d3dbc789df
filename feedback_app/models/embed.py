"""What the embedded survey remembers between requests: spent form tokens, refused answers
and refused widgets."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base


class SpentEmbedToken(Base):
    """A widget's form token that has carried its answer: a second post with it is refused.

    Kept until the token would have expired anyway (``prune-embed-records`` job).
    """

    __tablename__ = "spent_embed_tokens"

    #: The random id inside the signed token.
    token_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class EmbedRefusalCount(Base):
    """Answers to one survey's widget that the rate limits refused, per minute.

    One upsert per refusal: cheap under a flood, and still there after a restart, which a
    count in the limiter's memory would not be. Rows older than two days are pruned.
    """

    __tablename__ = "embed_refusal_counts"

    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    #: The start of the UTC minute.
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    refused: Mapped[int]


class EmbedRefusal(Base):
    """Widgets of one survey refused for their site or their customer identity, per minute.

    The customer sees nothing, so this is how the host's developer learns what to fix (the
    survey's admin page). One row per survey, problem, origin and minute, with a count, and
    at most ``KEEP_PER_SURVEY`` rows a survey (``services.embed.refusals``): a flood of bad
    requests writes no more. Rows older than 30 days are pruned.
    """

    __tablename__ = "embed_refusals"
    __table_args__ = (
        sa.UniqueConstraint("survey_id", "problem", "origin", "minute"),
        sa.Index("ix_embed_refusals_survey_minute", "survey_id", "minute"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    #: The start of the UTC minute of the refusals.
    minute: Mapped[datetime]
    #: A stable code: an ``EmbeddingProblem``, an ``IdentityProblem`` or ``unknown_customer``.
    problem: Mapped[str] = mapped_column(sa.String(32))
    #: The host page's origin as the request named it; empty when it named none.
    origin: Mapped[str] = mapped_column(sa.String(255))
    #: A few words on what was seen (never the secret or the signature); the latest one.
    detail: Mapped[str] = mapped_column(sa.String(200))
    count: Mapped[int]
