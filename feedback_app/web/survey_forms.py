"""Forms of the admins' survey pages.

The forms only parse (whole numbers, blanks); what values are allowed is decided by
``surveys.settings.settings_problems``, so the rules have one home.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields import ColorField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from surveys.bucketing import Bucket, Thresholds, bucket_label
from surveys.followups import FollowUpRule, OwnerPolicy
from surveys.kinds import KIND_SPECS, SurveyKind
from surveys.settings import SurveySettings

KIND_LABELS = {
    SurveyKind.CSAT: "CSAT: satisfaction after a ticket, 1-5",
    SurveyKind.CES: "CES: effort to get an issue resolved, 1-7",
    SurveyKind.NPS: "NPS: likelihood to recommend, 0-10, sent periodically",
}
OWNER_LABELS = {
    OwnerPolicy.TEAM_MANAGER: "The manager of the interaction's team (else round-robin)",
    OwnerPolicy.ROUND_ROBIN: "Managers in turn (round-robin)",
    OwnerPolicy.UNASSIGNED: "Nobody: cases wait in the unassigned queue",
}
#: Fields a kind does not have, left out of its form.
NOT_FOR = {
    SurveyKind.CSAT: ("passive_min", "cadence_days"),
    SurveyKind.CES: ("passive_min", "cadence_days"),
    SurveyKind.NPS: (),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _number(label: str, description: str = "", *, blank_allowed: bool = False) -> IntegerField:
    first = Optional() if blank_allowed else InputRequired(message="Enter a whole number.")
    return IntegerField(label, validators=[first], description=description)


class NewSurveyForm(FlaskForm):
    kind = RadioField(
        "Kind",
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[InputRequired(message="Choose a kind.")],
    )
    name = StringField(
        "Name",
        validators=[Length(max=200)],
        filters=[_strip],
        description="Leave empty for the kind's usual name.",
    )


class SettingsForm(FlaskForm):
    """Every setting of one survey; the fields a kind lacks are removed."""

    name = StringField("Name", validators=[Length(max=200)], filters=[_strip])
    question = TextAreaField(
        "Question",
        validators=[Length(max=1000)],
        filters=[_strip],
        description=(
            "{company} is replaced by the company name below. The usual wording is shown "
            "translated to customers; your own wording is shown as written."
        ),
    )
    followup_question = TextAreaField(
        "Follow-up question",
        validators=[Length(max=1000)],
        filters=[_strip],
        description="An open question under the scale; leave empty for none.",
    )
    company_name = StringField("Company name", validators=[Length(max=200)], filters=[_strip])
    enabled = BooleanField(
        "Enabled",
        description="When off, new invitations are recorded as suppressed and the embed is hidden.",
    )
    satisfied_min = _number("Lowest satisfied score")
    passive_min = _number("Lowest passive score")
    delay_seconds = _number(
        "Delay after the interaction (seconds)",
        "How long after a ticket closes the invitation goes out, e.g. 3600 for an hour.",
    )
    expiry_days = _number("Expiry (days)", "The link stops taking answers this long after sending.")
    fatigue_days = _number(
        "Fatigue (days)",
        "No invitation of this kind goes to a customer invited to any survey within these days; "
        "0 for no limit.",
    )
    cadence_days = _number("NPS cadence (days)", "Days between two NPS invitations to a customer.")
    reminder_days = _number(
        "Reminder (days)",
        "Remind non-responders once, this many days after sending; empty for no reminder.",
        blank_allowed=True,
    )
    sender_name = StringField(
        "Sender name",
        validators=[Length(max=200)],
        filters=[_strip],
        description="Empty: the company name.",
    )
    sender_email = EmailField(
        "Sender address",
        validators=[Length(max=320)],
        filters=[_strip],
        description="Empty: the system's address.",
    )
    accent_color = ColorField(
        "Accent colour", filters=[_strip], description="Buttons and links, written #rrggbb."
    )
    logo_url = URLField(
        "Logo URL",
        validators=[Length(max=500)],
        filters=[_strip],
        description="An https:// address of an image; empty for none.",
    )
    allowed_origins = TextAreaField(
        "Allowed embed origins",
        filters=[_strip],
        description=(
            "The sites that may show the embedded survey, one per line, e.g. "
            "https://help.example.com or https://app.example.com:8443 "
            "(plain http only for localhost or 127.0.0.1)."
        ),
    )
    open_max = _number(
        "Highest score that opens a case",
        "Empty: this survey opens no follow-up cases.",
        blank_allowed=True,
    )
    high_max = _number(
        "Highest high-priority score", "Empty: no case is high priority.", blank_allowed=True
    )
    deadline_hours = _number("Deadline (hours)", "From the response to the case's deadline.")
    remind_before_hours = _number(
        "Remind the owner (hours before the deadline)", "0 for no reminder."
    )
    owner_policy = SelectField(
        "Owner of a new case",
        choices=[SelectChoice(policy.value, label) for policy, label in OWNER_LABELS.items()],
    )
    resurvey = BooleanField(
        "After resolution, ask the customer “Did we resolve your concern?”",
    )
    anonymous_cases = BooleanField(
        "Open cases for anonymous answers too",
        description=(
            "Answers to the embedded survey without a signed customer: anyone may send them "
            "and nobody can be contacted about them, so by default they open no case."
        ),
    )

    def __init__(self, kind: SurveyKind, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        low, high = KIND_SPECS[kind].low, KIND_SPECS[kind].high
        top, bottom = (
            bucket_label(bucket, kind) for bucket in (Bucket.SATISFIED, Bucket.UNSATISFIED)
        )
        if kind is SurveyKind.CES:
            self.satisfied_min.label.text = f"Lowest {top} score"
        self.satisfied_min.description = f"Scores from this up to {high} are " + (
            "promoters." if kind is SurveyKind.NPS else f"{top}; lower ones {bottom}."
        )
        if kind is SurveyKind.NPS:
            self.passive_min.description = (
                "Scores from this up to below the promoters are passives; lower ones detractors."
            )
        self.open_max.description = (
            f"Scores from {low} up to this open a follow-up case. " + self.open_max.description
        )
        for name in NOT_FOR[kind]:
            delattr(self, name)

    @classmethod
    def initial(cls, settings: SurveySettings) -> dict[str, Any]:
        """The form's starting values: ``settings`` flattened into its fields."""
        rule = settings.rule
        return {
            "name": settings.name,
            "question": settings.question,
            "followup_question": settings.followup_question,
            "company_name": settings.company_name,
            "enabled": settings.enabled,
            "satisfied_min": settings.thresholds.satisfied_min,
            "passive_min": settings.thresholds.passive_min,
            "delay_seconds": settings.delay_seconds,
            "expiry_days": settings.expiry_days,
            "fatigue_days": settings.fatigue_days,
            "cadence_days": settings.cadence_days,
            "reminder_days": settings.reminder_days,
            "sender_name": settings.sender_name,
            "sender_email": settings.sender_email,
            "accent_color": settings.accent_color,
            "logo_url": settings.logo_url,
            "allowed_origins": "\n".join(settings.allowed_origins),
            "open_max": rule.open_max,
            "high_max": rule.high_max,
            "deadline_hours": rule.deadline_hours,
            "remind_before_hours": rule.remind_before_hours,
            "owner_policy": rule.owner_policy.value,
            "resurvey": rule.resurvey,
            "anonymous_cases": rule.anonymous_cases,
        }

    def settings(self) -> SurveySettings:
        """The submitted settings; call after ``validate`` succeeded."""
        nps = self.kind is SurveyKind.NPS
        return SurveySettings(
            name=self.name.data or "",
            question=self.question.data or "",
            followup_question=self.followup_question.data or "",
            company_name=self.company_name.data or "",
            thresholds=Thresholds(
                satisfied_min=self.satisfied_min.data,
                passive_min=self.passive_min.data if nps else None,
            ),
            delay_seconds=self.delay_seconds.data,
            expiry_days=self.expiry_days.data,
            fatigue_days=self.fatigue_days.data,
            cadence_days=self.cadence_days.data if nps else None,
            reminder_days=self.reminder_days.data,
            enabled=self.enabled.data,
            sender_name=self.sender_name.data or "",
            sender_email=self.sender_email.data or "",
            accent_color=self.accent_color.data or "",
            logo_url=self.logo_url.data or "",
            allowed_origins=tuple((self.allowed_origins.data or "").split()),
            rule=FollowUpRule(
                open_max=self.open_max.data,
                high_max=self.high_max.data,
                deadline_hours=self.deadline_hours.data,
                remind_before_hours=self.remind_before_hours.data,
                owner_policy=OwnerPolicy(self.owner_policy.data),
                resurvey=self.resurvey.data,
                anonymous_cases=self.anonymous_cases.data,
            ),
        )
