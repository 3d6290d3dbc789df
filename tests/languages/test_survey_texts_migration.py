"""Migration 1105: every survey keeps its question and follow-up question, now as the texts
of its default language (English)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from feedback_app.extensions import db
from feedback_app.models import Survey
from feedback_app.services.surveys import survey_for_kind
from surveys.kinds import SurveyKind


def test_single_texts_move_to_the_default_language_and_back(app: Flask, clock: Any) -> None:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    survey.question = "How did {company} do today?"
    survey.followup_question = "Anything to add?"
    survey_id = survey.id
    db.session.commit()
    db.session.remove()

    downgrade(revision="1003")
    try:
        with db.engine.connect() as conn:
            old = conn.execute(
                sa.text("SELECT question, followup_question FROM surveys WHERE id = :id"),
                {"id": survey_id},
            ).one()
        assert tuple(old) == ("How did {company} do today?", "Anything to add?")
    finally:
        upgrade()

    db.session.expire_all()
    moved = db.session.get(Survey, survey_id)
    assert moved is not None
    assert (moved.default_language, moved.texts) == (
        "en",
        {
            "question": {"en": "How did {company} do today?"},
            "followup_question": {"en": "Anything to add?"},
        },
    )
