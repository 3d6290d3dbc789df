"""What the embedded survey remembers between requests: spent form tokens and refused answers."""

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
