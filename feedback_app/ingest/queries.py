"""Finding stored interactions: the filtered listing the API pages through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from feedback_app.models import Interaction, Invitation


@dataclass(frozen=True)
class InteractionFilters:
    """Which interactions to list; None means any."""

    #: The helpdesk's ticket id, exactly.
    external_id: str | None = None
    #: ``api`` or a connector's id, exactly.
    source: str | None = None
    #: Recorded at or after this instant.
    since: datetime | None = None
    #: Recorded before this instant.
    until: datetime | None = None


def interactions_query(filters: InteractionFilters) -> sa.Select[Any]:
    """Interactions matching ``filters``, newest first, with customer, agent, team and
    invitations (and their surveys) loaded in two more queries per page, not one per row."""
    query = sa.select(Interaction).options(
        joinedload(Interaction.customer),
        joinedload(Interaction.agent),
        joinedload(Interaction.team),
        selectinload(Interaction.invitations).joinedload(Invitation.survey),
    )
    if filters.external_id is not None:
        query = query.where(Interaction.external_id == filters.external_id)
    if filters.source is not None:
        query = query.where(Interaction.source == filters.source)
    if filters.since is not None:
        query = query.where(Interaction.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(Interaction.created_at < filters.until)
    return query.order_by(Interaction.created_at.desc(), Interaction.id.desc())
