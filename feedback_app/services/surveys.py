"""Creating surveys and finding the one to use for a kind."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import Survey
from surveys import (
    DEFAULT_FOLLOWUP_QUESTION,
    DEFAULT_THRESHOLDS,
    KIND_SPECS,
    SurveyKind,
    Thresholds,
    check_thresholds,
)
from surveys.languages import FALLBACK_LANGUAGE

DEFAULT_NAMES = {
    SurveyKind.CSAT: "Support satisfaction (CSAT)",
    SurveyKind.CES: "Customer effort (CES)",
    SurveyKind.NPS: "Net Promoter Score",
}


def create_survey(
    kind: SurveyKind,
    now: datetime,
    *,
    name: str | None = None,
    question: str | None = None,
    thresholds: Thresholds | None = None,
    **fields: object,
) -> Survey:
    """Add a survey of ``kind`` with the kind's defaults for anything not given; flushes only.

    :param fields: any other ``Survey`` column, e.g. ``delay_seconds`` or ``allowed_origins``.
    """
    limits = check_thresholds(kind, thresholds or DEFAULT_THRESHOLDS[kind])
    survey = Survey(
        kind=kind,
        name=name or DEFAULT_NAMES[kind],
        default_language=FALLBACK_LANGUAGE,
        texts={
            "question": {FALLBACK_LANGUAGE: question or KIND_SPECS[kind].default_question},
            "followup_question": {FALLBACK_LANGUAGE: DEFAULT_FOLLOWUP_QUESTION},
        },
        company_name=current_app.config["COMPANY_NAME"],
        satisfied_min=limits.satisfied_min,
        passive_min=limits.passive_min,
        delay_seconds=0,
        expiry_days=30,
        fatigue_days=current_app.config["FATIGUE_DAYS"].get(kind.value, 7),
        cadence_days=current_app.config["NPS_CADENCE_DAYS"] if kind is SurveyKind.NPS else None,
        reminder_days=None,
        enabled=True,
        public_key=secrets.token_urlsafe(12),
        embed_secret=secrets.token_urlsafe(32),
        created_at=now,
    )
    for key, value in fields.items():
        if not hasattr(Survey, key):
            raise TypeError(f"Survey has no field {key!r}")
        setattr(survey, key, value)
    db.session.add(survey)
    db.session.flush()
    return survey


def survey_for_kind(kind: SurveyKind, now: datetime) -> Survey:
    """Return the kind's main survey (the oldest one), creating it with defaults if none exists.

    The main survey may be disabled; callers record ``survey_disabled`` then.
    """
    survey = db.session.scalar(
        sa.select(Survey).where(Survey.kind == kind).order_by(Survey.id).limit(1)
    )
    return survey if survey is not None else create_survey(kind, now)
