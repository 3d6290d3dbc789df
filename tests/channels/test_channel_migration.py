"""Migration 1002 keeps every row and rollup: the five fixed channels of a database at
0906 become labels in the rows, the score and support rollups and the counted entries."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import downgrade, upgrade

from feedback_app.extensions import db
from feedback_app.ingest.interactions import InteractionInput, ingest_interaction
from feedback_app.ingest.people import CustomerInput
from feedback_app.models import (
    ChannelLabel,
    Interaction,
    Response,
    ScoreRollup,
    SupportHistogram,
    SupportRollup,
)
from feedback_app.services.settling import settle_answers
from feedback_app.services.support.settling import settle_interactions
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock, store_answer


def channel_values() -> dict[str, list[str]]:
    """Every stored channel value, table by table."""

    def values(query: sa.Select) -> list[str]:
        return sorted(set(db.session.scalars(query)))

    return {
        "interactions": values(sa.select(Interaction.channel)),
        "responses": values(sa.select(Response.channel).where(Response.channel.is_not(None))),
        "score_rollups": values(
            sa.select(ScoreRollup.value).where(ScoreRollup.dimension == "channel")
        ),
        "support_rollups": values(
            sa.select(SupportRollup.value).where(SupportRollup.dimension == "channel")
        ),
        "support_histograms": values(
            sa.select(SupportHistogram.value).where(SupportHistogram.dimension == "channel")
        ),
        "counted": values(
            sa.select(sa.func.json_extract(Interaction.counted, "$.channel"))
            if db.engine.dialect.name == "sqlite"
            else sa.select(Interaction.counted.op("->>")("channel"))
        ),
    }


def test_rows_at_0906_keep_their_channels_as_labels(
    app: Flask, clock: FrozenClock, runner: FlaskCliRunner
) -> None:
    opened = clock.now - timedelta(hours=3)
    for number, channel in enumerate(("chat", "social", "phone", None), start=1):
        result = ingest_interaction(
            InteractionInput(
                external_id=f"T-{number}",
                customer=CustomerInput(email=f"c{number}@example.com"),
                channel=channel,
                opened_at=opened,
                first_response_at=opened + timedelta(minutes=5),
                resolved_at=opened + timedelta(hours=1),
                survey=SurveyKind.CSAT,
                delay_seconds=0,
            ),
            clock.now,
        )
        assert result.invitation is not None
        store_answer(result.invitation, number, clock.now, "")
    settle_answers()
    settle_interactions()
    labelled = {
        table: ["Chat", "Other", "Phone", "Social media"]
        for table in ("interactions", "score_rollups", "support_rollups", "counted")
    }
    labelled["responses"] = labelled["support_histograms"] = labelled["interactions"]
    assert channel_values() == labelled
    rows = {
        model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Interaction, Response, ScoreRollup, SupportRollup, SupportHistogram)
    }
    db.session.remove()

    downgrade(revision="0906")
    try:
        # As the previous head stores them: the five fixed values.
        old = channel_values()
        assert old == {table: ["chat", "other", "phone", "social"] for table in labelled}
        assert "channel_labels" not in sa.inspect(db.engine).get_table_names()
        db.session.remove()
    finally:
        upgrade()

    assert channel_values() == labelled
    assert {
        model: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in rows
    } == rows
    # The labels in use.
    assert sorted(db.session.scalars(sa.select(ChannelLabel.label))) == [
        "Chat",
        "Other",
        "Phone",
        "Social media",
    ]
    check = runner.invoke(args=["rollups", "check"])
    assert (check.exit_code, check.output) == (
        0,
        "rollups agree with the responses and interactions\n",
    )
