"""Moving a customer's scores and contacts between segments when their properties change."""

from __future__ import annotations

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Customer, Interaction
from feedback_app.services.rollups import move_segment
from feedback_app.services.support import segments


def customer_changed(customer: Customer, before: tuple[tuple[str, str], ...]) -> None:
    """Move the customer's scores and contacts to the segments their properties now give;
    ``before`` is what they gave before the change. Does not commit."""
    after = segments.values_of(customer.properties)
    if after == before or customer.id is None:
        return
    for (name, old), (_, new) in zip(before, after, strict=True):
        if old != new:
            move_segment(customer.id, name, old, new)
    # Their contacts are counted afresh by the worker, in their new segments.
    db.session.execute(
        sa.update(Interaction)
        .where(Interaction.customer_id == customer.id)
        .values(unsettled=True)
        .execution_options(synchronize_session=False)
    )
