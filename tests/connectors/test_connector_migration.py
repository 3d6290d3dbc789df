"""Migration 0910 keeps every interaction, as posted to the API, and its invitation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from feedback_app.extensions import db
from feedback_app.ingest.interactions import InteractionInput, ingest_interaction
from feedback_app.ingest.people import CustomerInput
from feedback_app.models import Interaction, Invitation
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock


def test_interactions_from_before_the_upgrade_have_the_api_as_their_source(
    app: Flask, clock: FrozenClock
) -> None:
    ingest_interaction(
        InteractionInput(
            external_id="T-1", customer=CustomerInput(email="a@b.co"), survey=SurveyKind.CSAT
        ),
        clock.now,
    )
    db.session.remove()
    downgrade(revision="0801")
    try:
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("interactions")}
        assert "source" not in columns
        assert "connectors" not in sa.inspect(db.engine).get_table_names()
    finally:
        upgrade()
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert (interaction.source, interaction.external_id) == ("api", "T-1")
    # Rebuilding the table (SQLite's batch migration) kept the invitation pointing at it.
    assert db.session.scalars(sa.select(Invitation.interaction_id)).all() == [interaction.id]
    # The external id is unique per source now.
    db.session.add(
        Interaction(
            source="zendesk-x",
            external_id="T-1",
            customer_id=interaction.customer_id,
            created_at=clock.now,
            updated_at=clock.now,
        )
    )
    db.session.commit()
    db.session.add(
        Interaction(
            source="api",
            external_id="T-1",
            customer_id=interaction.customer_id,
            created_at=clock.now,
            updated_at=clock.now,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
