"""What admins do with surveys: list them, add one, change its settings or what customers
read (the API's edit), renew its embed secret.

Each function here commits: a settings change and the re-filing of responses it calls for go
in one transaction, so the stored buckets never disagree with the thresholds.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.languages.service import store_texts
from feedback_app.models import Response, Survey
from feedback_app.questions.editing import QuestionEdit, replace_questions
from feedback_app.services.followups import rule_for, save_rule
from feedback_app.services.outbox import address_problem
from feedback_app.services.rebucketing import rebucket_responses
from feedback_app.services.surveys import create_survey
from surveys.kinds import SurveyKind
from surveys.languages import SurveyTexts
from surveys.settings import InvalidSettings, SurveySettings, parse_origins, settings_problems


@dataclass(frozen=True)
class SurveyRow:
    """A survey as the overview lists it."""

    survey: Survey
    responses: int
    last_response_at: datetime | None


def survey_rows() -> list[SurveyRow]:
    """Every survey, oldest first, with its number of responses and the latest one's time."""
    stats = (
        sa.select(
            Response.survey_id,
            sa.func.count(Response.id).label("responses"),
            sa.func.max(Response.created_at).label("last_at"),
        )
        .group_by(Response.survey_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Survey, stats.c.responses, stats.c.last_at)
        .outerjoin(stats, stats.c.survey_id == Survey.id)
        .order_by(Survey.id)
    )
    return [SurveyRow(survey, count or 0, last_at) for survey, count, last_at in rows]


def add_survey(kind: SurveyKind, name: str, now: datetime) -> Survey:
    """Add a survey of ``kind`` with its defaults, named ``name`` (or the default); commits."""
    survey = create_survey(kind, now, name=name.strip() or None)
    audit.record("survey.created", f"survey:{survey.id}", {"kind": kind, "name": survey.name})
    db.session.commit()
    return survey


def settings_of(survey: Survey) -> SurveySettings:
    """The survey's current settings, its follow-up rule included."""
    return SurveySettings(
        name=survey.name,
        question=survey.question,
        followup_question=survey.followup_question,
        company_name=survey.company_name,
        thresholds=survey.thresholds,
        delay_seconds=survey.delay_seconds,
        expiry_days=survey.expiry_days,
        fatigue_days=survey.fatigue_days,
        cadence_days=survey.cadence_days,
        reminder_days=survey.reminder_days,
        enabled=survey.enabled,
        sender_name=survey.sender_name,
        sender_email=survey.sender_email,
        accent_color=survey.accent_color,
        logo_url=survey.logo_url,
        allowed_origins=tuple(survey.allowed_origins.split()),
        rule=rule_for(survey),
    )


def save_settings(survey: Survey, settings: SurveySettings, now: datetime) -> int | None:
    """Check all of ``settings``, store them and, if the thresholds changed, re-file; commits.

    The follow-up rule is stored only when it differs from the one in force, so a survey
    still on its kind's default keeps following the default.

    :returns: how many of the survey's responses moved to another bucket, or None when the
        thresholds did not change.
    :raises InvalidSettings: naming every bad field; nothing is stored then.
    """
    problems = settings_problems(survey.kind, settings)
    if settings.sender_email and (problem := address_problem(settings.sender_email)):
        problems["sender_email"] = problem
    if problems:
        raise InvalidSettings(problems)
    before = settings_of(survey)
    refile = settings.thresholds != survey.thresholds
    survey.name = settings.name
    survey.question = settings.question
    survey.followup_question = settings.followup_question
    survey.company_name = settings.company_name
    survey.satisfied_min = settings.thresholds.satisfied_min
    survey.passive_min = settings.thresholds.passive_min
    survey.delay_seconds = settings.delay_seconds
    survey.expiry_days = settings.expiry_days
    survey.fatigue_days = settings.fatigue_days
    survey.cadence_days = settings.cadence_days
    survey.reminder_days = settings.reminder_days
    survey.enabled = settings.enabled
    survey.sender_name = settings.sender_name
    survey.sender_email = settings.sender_email
    survey.accent_color = settings.accent_color
    survey.logo_url = settings.logo_url
    survey.allowed_origins = " ".join(parse_origins(settings.allowed_origins)[0])
    if settings.rule != rule_for(survey):
        save_rule(survey, settings.rule, now)
    audit.record_changes(
        "survey.settings_changed", f"survey:{survey.id}", before, settings_of(survey)
    )
    if not refile:
        db.session.commit()
        return None
    return rebucket_responses().get(survey.id, 0)


@dataclass(frozen=True)
class SurveyEdit:
    """A change to what a survey's customers read; None leaves that part as it is."""

    default_language: str | None = None
    #: The texts to replace, each field in every language; fields not given are kept.
    texts: SurveyTexts | None = None
    #: The whole list of additional questions (``replace_questions``).
    questions: Sequence[QuestionEdit] | None = None


def edit_survey(survey: Survey, edit: SurveyEdit, now: datetime) -> None:
    """Check all of ``edit`` and store it; commits.

    :raises InvalidSettings: naming every bad field (``texts.question.fr``,
        ``questions[0].shown_to``); nothing is stored then.
    """
    problems: dict[str, str] = {}
    if edit.default_language is not None or edit.texts is not None:
        texts = {**survey.texts, **(edit.texts or {})}
        try:
            store_texts(survey, edit.default_language or survey.default_language, texts)
        except InvalidSettings as error:
            problems.update(
                (name if name == "default_language" else f"texts.{name}", message)
                for name, message in error.errors.items()
            )
    if edit.questions is not None:
        try:
            replace_questions(survey, edit.questions, now)
        except InvalidSettings as error:
            problems.update(error.errors)
    if problems:
        db.session.rollback()
        raise InvalidSettings(problems)
    db.session.commit()


def rotate_embed_secret(survey: Survey) -> None:
    """Give the survey a new embed secret; identities signed with the old one stop working.

    Commits.
    """
    survey.embed_secret = secrets.token_urlsafe(32)
    audit.record("survey.embed_secret_rotated", f"survey:{survey.id}")
    db.session.commit()
