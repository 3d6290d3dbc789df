"""``/api/v1/followups``: list and change follow-up cases, so a CRM or helpdesk can mirror them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from flask import Blueprint, g
from pydantic import ConfigDict, Field
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import ApiScope, FollowUpCase, User
from feedback_app.services.followups import Actor, CaseChange, change_case
from feedback_app.services.triage import UNASSIGNED, CaseFilters, case_json, case_query
from feedback_app.web.api.answers import MaybeTime, Page, Time
from feedback_app.web.api.errors import ApiError
from feedback_app.web.api.operations import operation
from feedback_app.web.api.paging import PageQuery, paginated
from feedback_app.web.inputs import MAX_INT, Choice, Choices, Flag, Input, Rule, Text, invalid
from surveys.bucketing import Bucket
from surveys.cases import CaseStatus, InvalidCaseChange, Outcome
from surveys.followups import Priority
from surveys.kinds import SurveyKind

bp = Blueprint("followups", __name__)


@dataclass(frozen=True)
class UserRef(Rule):
    """A staff user by id or email, read as the user's id; ``none`` may mean nobody."""

    unknown: str = "no user has this id or email"
    none_is_unassigned: bool = False

    def read(self, value: object, from_text: bool) -> int | None:
        if self.none_is_unassigned and isinstance(value, str) and value.strip().lower() == "none":
            return UNASSIGNED
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value) if len(value.strip()) <= 10 else MAX_INT + 1
        if isinstance(value, int) and not isinstance(value, bool):
            # An id no row can have is looked up nowhere: the database would refuse it.
            found = _user_id(User.id == value) if 0 < value <= MAX_INT else None
        else:
            email = Text(max_length=320).read(value, from_text)
            if email is None:
                return None
            found = _user_id(User.email == email.lower())
        if found is None:
            raise invalid(self.unknown)
        return found

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 320}]}


def _user_id(condition: sa.ColumnElement[bool]) -> int | None:
    return db.session.scalar(sa.select(User.id).where(condition))


class CaseQuery(PageQuery):
    status: Annotated[frozenset[CaseStatus] | None, Choices(CaseStatus)] = None
    bucket: Annotated[frozenset[Bucket] | None, Choices(Bucket)] = None
    owner: Annotated[
        int | None,
        UserRef(
            "no user has this id or email; use none for unassigned cases",
            none_is_unassigned=True,
        ),
        Field(description="A user's id or email, or none for unassigned cases."),
    ] = None
    overdue: Annotated[bool | None, Flag()] = None


class CaseChangeIn(Input):
    """What to change; at least one field. ``owner: null`` unassigns the case."""

    model_config = ConfigDict(extra="forbid")
    invalid_message = "invalid change"
    nulls_are_absent = False

    status: Annotated[CaseStatus | None, Choice(CaseStatus)] = None
    outcome: Annotated[Outcome | None, Choice(Outcome)] = None
    owner: Annotated[int | None, UserRef(), Field(description="A user's id or email.")] = None
    note: Annotated[str | None, Text(max_length=10_000), Field(description="Internal.")] = None


class CustomerRef(TypedDict):
    email: str
    name: str


class InteractionRef(TypedDict):
    external_id: str
    channel: str


class OwnerRef(TypedDict):
    id: int
    email: str
    name: str


class CaseOut(TypedDict):
    id: int
    status: CaseStatus
    priority: Priority
    outcome: Outcome | None
    kind: SurveyKind
    score: int
    opening_score: int
    bucket: Bucket
    score_raised_at: MaybeTime
    comment: str
    response_id: int
    survey_id: int
    customer: CustomerRef | None
    interaction: InteractionRef | None
    team: str | None
    agent: str | None
    owner: OwnerRef | None
    opened_at: Time
    due_at: Time
    overdue: bool
    first_contact_at: MaybeTime
    closed_at: MaybeTime
    within_deadline: bool | None
    updated_at: Time


@operation(
    bp, "GET", "/followups", scope=ApiScope.READ, query=CaseQuery, answers={200: Page[CaseOut]}
)
def list_cases(query: CaseQuery) -> Page[CaseOut]:
    """Cases by deadline, filtered by ``status``, ``owner``, ``bucket`` and ``overdue``.

    ``status`` and ``bucket`` take comma-separated values.
    """
    now = utcnow()
    filters = CaseFilters(
        statuses=query.status or frozenset(),
        buckets=query.bucket or frozenset(),
        owner_id=query.owner,
        overdue=query.overdue,
    )
    return paginated(case_query(filters, now), lambda case: case_json(case, now), query)  # type: ignore[return-value]


@operation(
    bp,
    "PATCH",
    "/followups/<id:case_id>",
    scope=ApiScope.INGEST,
    body=CaseChangeIn,
    answers={200: CaseOut},
)
def update_case(case_id: int, body: CaseChangeIn) -> dict[str, Any]:
    """Change a case's ``status``, ``owner`` or ``outcome``, or add a ``note``."""
    case = db.session.get(FollowUpCase, case_id)
    if case is None:
        raise ApiError(404, f"no follow-up case {case_id}")
    change = CaseChange(
        status=body.status,
        outcome=body.outcome,
        owner_id=body.owner,
        unassign="owner" in body.model_fields_set and body.owner is None,
        note=body.note or "",
    )
    if change == CaseChange():
        raise ApiError(
            422,
            "nothing to change",
            {name: "give at least one" for name in sorted(CaseChangeIn.model_fields)},
        )
    now = utcnow()
    try:
        change_case(case, change, Actor(f"api:{g.api_key.name}"), now)
    except InvalidCaseChange as error:
        raise ApiError(422, error.message, {error.field or "status": error.message}) from None
    db.session.commit()
    return case_json(case, now)
