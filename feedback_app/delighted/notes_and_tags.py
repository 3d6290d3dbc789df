"""The notes and tags of Delighted's that ``import-delighted`` kept with each response, read
for a page of responses at once: by ``/v1/``, and by the staff pages that show a response."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import DelightedResponse


@dataclass(frozen=True)
class Note:
    """A follow-up case's internal note, or one of Delighted's imported with the response."""

    id: str
    text: str
    #: Who wrote it; empty when the export did not say (Delighted's CSV files do not).
    user_email: str
    created_at: datetime


@dataclass(frozen=True)
class FromDelighted:
    """What Delighted's users wrote on an imported response: its notes, oldest first, and
    its free-text tags; and the response's id at Delighted."""

    delighted_id: str
    notes: tuple[Note, ...]
    tags: tuple[str, ...]


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def from_delighted(response_ids: Iterable[int]) -> dict[int, FromDelighted]:
    """The notes and tags of each imported response among ``response_ids``, by response id,
    in one query; a response not imported from Delighted has no entry."""
    rows = db.session.scalars(
        sa.select(DelightedResponse).where(DelightedResponse.response_id.in_(list(response_ids)))
    )
    return {
        row.response_id: FromDelighted(
            row.delighted_id,
            tuple(
                Note(note["id"], note["text"], note["user_email"], from_unix(note["created_at"]))
                for note in row.notes
            ),
            tuple(row.tags),
        )
        for row in rows
    }
