"""What an import from Delighted keeps of Delighted's own: its ids, so that importing the
same export again changes nothing, and the notes and tags of its responses.

Their own tables rather than columns of customers and responses: only imported rows have
them. A response's Delighted notes and tags are not follow-up notes nor review tags: those
belong to a case someone worked and to an agent's review of their own work, with a fixed set
of tags; Delighted's are free text that its users wrote, shown as they were by ``/v1/``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base

#: The longest Delighted id kept.
ID_LENGTH = 40


class DelightedPerson(Base):
    """The Delighted id of an imported customer; goes with the customer."""

    __tablename__ = "delighted_people"

    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    delighted_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), unique=True)


class DelightedResponse(Base):
    """The Delighted id, notes and tags of an imported response."""

    __tablename__ = "delighted_responses"

    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    delighted_id: Mapped[str] = mapped_column(sa.String(ID_LENGTH), unique=True)
    #: Each note as ``{"id", "text", "user_email", "created_at"}`` (Unix seconds), oldest first.
    notes: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
