"""POST /api/v1/agent-time: agents' shift and logged-in time per day, for utilization."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from flask import Blueprint
from pydantic import Field, field_validator, model_validator
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.ingest.people import AgentInput
from feedback_app.models import ApiScope
from feedback_app.utilization.service import DayInput, save_days
from feedback_app.web.api.operations import operation
from feedback_app.web.inputs import Day, Email, Input, Text, WholeNumber, invalid

bp = Blueprint("agent_time", __name__)

#: The most days one post may carry.
MAX_DAYS = 1000
SECONDS_A_DAY = 86_400


class AgentRefIn(Input):
    """An agent by email, or by name as a helpdesk export names them (matched among the
    agents with no email yet, as interactions' agents are)."""

    email: Annotated[str | None, Email()] = None
    name: Annotated[str | None, Text()] = None

    @model_validator(mode="after")
    def _email_or_name(self) -> AgentRefIn:
        if self.email is None and self.name is None:
            raise invalid("needs an email or a name")
        return self


class AgentDayIn(Input):
    agent: AgentRefIn
    day: Annotated[date, Day(), Field(alias="date", description="A UTC day.")]
    shift_seconds: Annotated[
        int, WholeNumber(maximum=SECONDS_A_DAY), Field(description="The time scheduled.")
    ]
    logged_in_seconds: Annotated[
        int,
        WholeNumber(maximum=SECONDS_A_DAY),
        Field(description="The time logged in, overtime included."),
    ]
    team: Annotated[
        str | None,
        Text(),
        Field(description="The team worked for that day; the agent's team when not given."),
    ] = None


class AgentTimeIn(Input):
    """One day or many: each replaces what was stored for its agent and day."""

    days: Annotated[
        list[AgentDayIn],
        Field(
            description=f"From 1 to {MAX_DAYS} agent-days.",
            json_schema_extra={"minItems": 1, "maxItems": MAX_DAYS},
        ),
    ]

    @field_validator("days", mode="before")
    @classmethod
    def _count(cls, days: Any) -> Any:
        if isinstance(days, list) and not 1 <= len(days) <= MAX_DAYS:
            raise invalid(f"must hold from 1 to {MAX_DAYS} days")
        return days


class AgentTimeAnswer(TypedDict):
    #: Days new to us, and days that replaced what was stored.
    added: int
    replaced: int


@operation(
    bp,
    "POST",
    "/agent-time",
    scope=ApiScope.INGEST,
    body=AgentTimeIn,
    answers={200: AgentTimeAnswer},
)
def post_agent_time(body: AgentTimeIn) -> AgentTimeAnswer:
    """Store agents' shift and logged-in seconds per day; posting a day again replaces it."""
    result = save_days(
        [
            DayInput(
                AgentInput(email=item.agent.email, name=item.agent.name),
                item.day,
                item.shift_seconds,
                item.logged_in_seconds,
                item.team,
            )
            for item in body.days
        ],
        utcnow(),
    )
    return {"added": result.added, "replaced": result.replaced}
