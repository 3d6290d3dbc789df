"""GET and PUT /api/v1/targets: the KPIs' goals, overall or per team, with their deadlines."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from flask import Blueprint
from pydantic import Field, ValidationInfo, field_validator
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import ApiScope, Team
from feedback_app.targets.models import Target
from feedback_app.targets.service import TargetInput, all_targets, replace_targets
from feedback_app.web.api.errors import ApiError
from feedback_app.web.api.operations import operation
from feedback_app.web.inputs import Choice, Day, Input, Number, Text, invalid
from surveys.targets import KPIS, InvalidTarget, check_deadline, check_team, check_value

bp = Blueprint("targets_api", __name__)

#: The most targets one PUT may carry: every KPI for a few hundred teams.
MAX_TARGETS = 5000


def _checked(check: Any, *args: Any) -> None:
    """Runs a ``surveys.targets`` check, its refusal as this field's error."""
    try:
        check(*args)
    except InvalidTarget as error:
        raise invalid(error.message) from None


class TargetIn(Input):
    kpi: Annotated[
        str, Choice(tuple(KPIS)), Field(description="The figure's name, as /metrics names it.")
    ]
    value: Annotated[
        float,
        Number(),
        Field(description="In the figure's unit: percent 0-100, NPS points, CES 1-7, seconds."),
    ]
    deadline: Annotated[date, Day(), Field(description="The UTC day to reach it by.")]
    team: Annotated[
        str | None, Text(), Field(description="A team's name; null or absent: overall.")
    ] = None

    @field_validator("value")
    @classmethod
    def _on_scale(cls, value: float, info: ValidationInfo) -> float:
        if "kpi" in info.data:
            _checked(check_value, info.data["kpi"], value)
        return value

    @field_validator("deadline")
    @classmethod
    def _not_past(cls, deadline: date) -> date:
        _checked(check_deadline, deadline, utcnow().date())
        return deadline

    @field_validator("team")
    @classmethod
    def _known_team(cls, team: str | None, info: ValidationInfo) -> str | None:
        if team is None:
            return None
        if "kpi" in info.data:
            _checked(check_team, KPIS[info.data["kpi"]])
        if db.session.scalar(sa.select(Team.id).where(Team.name == team)) is None:
            raise invalid(f"there is no team {team!r}")
        return team


class TargetsIn(Input):
    """Every target: what is stored is replaced by this list (an empty one deletes all)."""

    targets: Annotated[
        list[TargetIn],
        Field(
            description=f"Up to {MAX_TARGETS}; one per KPI overall and per team.",
            json_schema_extra={"maxItems": MAX_TARGETS},
        ),
    ]

    @field_validator("targets", mode="before")
    @classmethod
    def _count(cls, targets: Any) -> Any:
        if isinstance(targets, list) and len(targets) > MAX_TARGETS:
            raise invalid(f"must hold at most {MAX_TARGETS} targets")
        return targets


class TargetOut(TypedDict):
    id: int
    kpi: str
    #: null: the overall figure's target.
    team: str | None
    value: float
    deadline: str
    #: ``higher`` or ``lower``: which side of the target is good.
    better: str


class TargetsOut(TypedDict):
    targets: list[TargetOut]


def _answer(targets: list[Target]) -> TargetsOut:
    return {
        "targets": [
            {
                "id": t.id,
                "kpi": t.kpi,
                "team": t.team.name if t.team else None,
                "value": t.value,
                "deadline": t.deadline.isoformat(),
                "better": KPIS[t.kpi].better.value,
            }
            for t in targets
        ]
    }


@operation(bp, "GET", "/targets", scope=ApiScope.READ, answers={200: TargetsOut})
def get_targets() -> TargetsOut:
    """Every KPI target, by KPI, overall first, then by team."""
    return _answer(all_targets())


@operation(bp, "PUT", "/targets", scope=ApiScope.ADMIN, body=TargetsIn, answers={200: TargetsOut})
def put_targets(body: TargetsIn) -> TargetsOut:
    """Replace every KPI target with the list given; 422 names each bad field
    (``targets.0.value``), and a KPI given twice for the same team."""
    items = [TargetInput(t.kpi, t.value, t.deadline, t.team) for t in body.targets]
    try:
        targets = replace_targets(items, utcnow())
    except InvalidTarget as error:
        db.session.rollback()
        raise ApiError(422, "invalid targets", {error.field: error.message}) from None
    db.session.commit()
    return _answer(targets)
