"""Forms of the triage queue and the case page."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, DateRange, Length, Optional

from feedback_app.extensions import db
from feedback_app.models import Agent, FollowUpCase, Role, Survey, Team, User
from feedback_app.questions.service import reason_options
from feedback_app.services.followups import CaseChange
from feedback_app.services.triage import UNASSIGNED, CaseFilters
from feedback_app.web.guards.values import EARLIEST_DAY, LATEST_DAY, whole_number
from surveys.bucketing import BUCKET_CHOICES, Bucket
from surveys.cases import ACTIVE, ALLOWED, CaseStatus, Outcome

ANY = ("", "Any")


def options(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """``(value, label)`` pairs as the choices of a select."""
    return [SelectChoice(value, label) for value, label in pairs]


def owner_choices() -> list[tuple[str, str]]:
    """Active managers and admins, who may own cases."""
    users = db.session.scalars(
        sa.select(User)
        .where(User.active.is_(True), User.role.in_([Role.MANAGER, Role.ADMIN]))
        .order_by(User.name, User.email)
    )
    return [(str(user.id), user.name or user.email) for user in users]


def is_filtering(form: FlaskForm) -> bool:
    """Whether any of a list's filters is set to other than its default."""
    return any(field.data not in (None, "", field.default) for field in form)


def ticked_id(value: str) -> int:
    """A ticked row's id; anything else is not a choice (``SelectMultipleField`` says so)."""
    number = whole_number(str(value))
    if number is None:
        raise ValueError(value)
    return number


#: The opening days the queue filters on: days Python's calendar can step past.
_DAY_RANGE = DateRange(
    min=EARLIEST_DAY,
    max=LATEST_DAY,
    message=f"Enter a day from {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}.",
)


class TriageFilterForm(FlaskForm):
    """The queue's filters; read from the query string, so no CSRF token."""

    status = SelectField(
        "Status",
        choices=options(
            [
                ("active", "Open, in progress or waiting"),
                *((s.value, s.label) for s in CaseStatus),
                ("all", "All"),
            ]
        ),
        default="active",
    )
    bucket = SelectField("Bucket", default="", choices=options([ANY, *BUCKET_CHOICES]))
    survey = SelectField("Survey", default="")
    team = SelectField("Team", default="")
    agent = SelectField("Agent", default="")
    owner = SelectField("Owner", default="")
    overdue = SelectField(
        "Deadline", default="", choices=options([ANY, ("yes", "Overdue"), ("no", "Not overdue")])
    )
    opened_from = DateField("Opened from", validators=[Optional(), _DAY_RANGE])
    opened_to = DateField("Opened to (included)", validators=[Optional(), _DAY_RANGE])
    q = SearchField("Search comments", validators=[Length(max=200)])
    reason = SelectField("Reason", default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, meta={"csrf": False}, **kwargs)
        self.survey.choices = options([ANY, *_rows(Survey, Survey.name)])
        self.team.choices = options([ANY, *_rows(Team, Team.name)])
        self.agent.choices = options(
            [
                ANY,
                *(
                    (str(agent.id), agent.email or agent.name)
                    for agent in db.session.scalars(
                        sa.select(Agent).order_by(sa.func.coalesce(Agent.email, Agent.name))
                    )
                ),
            ]
        )
        self.owner.choices = options([ANY, ("me", "Me"), ("none", "Unassigned"), *owner_choices()])
        self.reason.choices = options([ANY, *reason_options()])

    def filters(self, me: User) -> CaseFilters:
        status = self.status.data or "active"
        groups = {"active": ACTIVE, "all": frozenset()}
        statuses = groups[status] if status in groups else {CaseStatus(status)}
        owner = {"me": me.id, "none": UNASSIGNED}.get(self.owner.data or "")
        return CaseFilters(
            statuses=frozenset(statuses),
            buckets=frozenset({Bucket(self.bucket.data)}) if self.bucket.data else frozenset(),
            owner_id=owner if owner is not None else whole_number(self.owner.data),
            survey_id=whole_number(self.survey.data),
            team_id=whole_number(self.team.data),
            agent_id=whole_number(self.agent.data),
            overdue={"yes": True, "no": False}.get(self.overdue.data or ""),
            opened_since=_day_start(self.opened_from.data),
            opened_until=_day_start(self.opened_to.data, days_after=1),
            search=self.q.data or "",
            choice_id=whole_number(self.reason.data),
        )


def _day_start(day: date | None, days_after: int = 0) -> datetime | None:
    """The UTC midnight starting ``day`` (or ``days_after`` days later)."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days_after), time(), UTC)


def _rows(model: Any, label: Any) -> list[tuple[str, str]]:
    return [
        (str(row.id), str(getattr(row, label.key)))
        for row in db.session.scalars(sa.select(model).order_by(label))
    ]


class BulkForm(FlaskForm):
    """Assign or close the ticked cases of the queue."""

    case_ids = SelectMultipleField("Cases", coerce=ticked_id, validate_choice=False)
    action = SelectField(
        "With the selected cases",
        choices=options([("assign", "Assign to"), ("close", "Close without action")]),
    )
    owner = SelectField("Owner", choices=[], validate_choice=False)
    #: The queue's query string, to come back to the same filters.
    filters = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner.choices = options([("none", "Nobody (unassigned)"), *owner_choices()])

    def change(self) -> CaseChange:
        if self.action.data == "close":
            return CaseChange(status=CaseStatus.CLOSED_WITHOUT_ACTION)
        if self.owner.data == "none":
            return CaseChange(unassign=True)
        return CaseChange(owner_id=whole_number(self.owner.data))


class CaseForm(FlaskForm):
    """Move a case on, set its outcome or owner, and add an internal note."""

    status = SelectField("Status")
    outcome = SelectField(
        "Outcome",
        choices=options([("", "None yet"), *((o.value, o.value.title()) for o in Outcome)]),
    )
    owner = SelectField("Owner", default="")
    note = TextAreaField("Internal note", validators=[Length(max=10_000)])

    def __init__(self, case: FollowUpCase, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.status.choices = options(
            (s.value, s.label) for s in CaseStatus if s is case.status or s in ALLOWED[case.status]
        )
        self.owner.choices = options([("none", "Nobody (unassigned)"), *owner_choices()])
        if not self.status.raw_data:
            self.status.data = case.status.value
            self.outcome.data = case.outcome.value if case.outcome else ""
            self.owner.data = str(case.owner_id) if case.owner_id else "none"

    def change(self) -> CaseChange:
        owner = None if self.owner.data == "none" else whole_number(self.owner.data)
        return CaseChange(
            status=CaseStatus(self.status.data),
            outcome=Outcome(self.outcome.data) if self.outcome.data else None,
            owner_id=owner if owner != self.case.owner_id else None,
            unassign=owner is None and self.case.owner_id is not None,
            note=self.note.data or "",
        )


class MessageForm(FlaskForm):
    """Write to the customer; replies come back to the writer."""

    subject = StringField("Subject", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Message", validators=[DataRequired(), Length(max=20_000)])
