"""The people a helpdesk names: customers, agents and teams, found or added, and the
normalising of their addresses and labels."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from feedback_app.extensions import db
from feedback_app.ingest.transactions import add_or_find, find_stored, insert_unless_stored
from feedback_app.models import Agent, Customer, Team
from feedback_app.privacy.blocklist import WAS_FORGOTTEN, was_forgotten_parameters
from feedback_app.services.support import segments
from feedback_app.services.support.segment_moves import customer_changed


@dataclass(frozen=True)
class CustomerInput:
    """A customer as a helpdesk describes them; ``None`` leaves a stored value as it is."""

    #: Already normalised by ``normalize_email``.
    email: str
    name: str | None = None
    external_id: str | None = None
    locale: str | None = None
    #: Merged key by key into the stored properties.
    properties: dict[str, Any] | None = None
    #: The lifecycle retention is measured on (``surveys.retention``): when they became a
    #: customer, and when they left.
    customer_since: datetime | None = None
    churned_at: datetime | None = None


class LifecycleError(ValueError):
    """A customer's ``churned_at`` before their ``customer_since`` (one of them stored)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AgentInput:
    """An agent by email, or by name alone (an export that names its agents): matched by
    name, and given the email when a later post brings it."""

    email: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if self.email is None and not self.name:
            raise ValueError("an agent needs an email or a name")


def normalize_email(raw: str) -> str:
    """Return the address validated (syntax only, no DNS) and lower-cased; ValueError if bad."""
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None


#: The longest team name or topic.
MAX_LABEL = 200


def normalize_label(raw: str | None) -> str | None:
    """A team name or topic as stored: trimmed, None when blank; ValueError past
    ``MAX_LABEL`` characters."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if len(value) > MAX_LABEL:
        raise ValueError(f"must be at most {MAX_LABEL} characters")
    return value


def upsert_customer(data: CustomerInput, now: datetime) -> Customer:
    """Find the customer by email or add them; update the fields given. Flushes only."""
    return upserted_customer(data, now).customer


@dataclass(frozen=True)
class UpsertedCustomer:
    customer: Customer
    #: Added now: no invitation, opt-out or bounce of theirs can exist yet.
    added: bool
    #: For a customer added, whether their address was forgotten before (``privacy``), read
    #: with the insert; None for one stored.
    forgotten: bool | None


def upserted_customer(data: CustomerInput, now: datetime) -> UpsertedCustomer:
    """``upsert_customer``, whether the customer was added and, if so, forgotten before.

    A new customer costs one statement, the INSERT of the row as given (which also reads the
    forgotten addresses); a known one, that INSERT doing nothing, then a SELECT and an
    UPDATE.
    """
    new = Customer(email=data.email, name="", properties={}, created_at=now)
    _update_customer(new, data, now)
    added = insert_unless_stored(
        new, [Customer.email], WAS_FORGOTTEN, parameters=was_forgotten_parameters(data.email)
    )
    if added is not None:
        customer, forgotten = added
        customer_changed(customer, segments.values_of({}))
        return UpsertedCustomer(customer, added=True, forgotten=bool(forgotten))
    customer = find_stored(new, [Customer.email])
    before = segments.values_of(customer.properties)
    _update_customer(customer, data, now)
    db.session.flush()
    customer_changed(customer, before)
    return UpsertedCustomer(customer, added=False, forgotten=None)


def _update_customer(customer: Customer, data: CustomerInput, now: datetime) -> None:
    """Give ``customer`` the fields ``data`` gives; LifecycleError for a lifecycle that
    would end before it began."""
    if data.name is not None:
        customer.name = data.name
    if data.external_id is not None:
        customer.external_id = data.external_id
    if data.locale is not None:
        customer.locale = data.locale
    if data.properties:
        customer.properties = {**customer.properties, **data.properties}
    _set_lifecycle(customer, data)
    customer.updated_at = now


def _set_lifecycle(customer: Customer, data: CustomerInput) -> None:
    """Set the lifecycle given; LifecycleError, naming the field posted, when it would end
    before it began."""
    since = data.customer_since or customer.customer_since
    churned = data.churned_at or customer.churned_at
    if since is not None and churned is not None and churned < since:
        if data.churned_at is not None:
            raise LifecycleError("churned_at", "must not be before customer_since")
        raise LifecycleError("customer_since", "must not be after churned_at")
    customer.customer_since, customer.churned_at = since, churned


def upsert_agent(data: AgentInput) -> Agent:
    """Find the agent by email, else by name among the agents with no email yet, or add
    them; fill in the email and name given. Flushes only."""
    found = db.session.scalar(_agent_query(*_agent_shape(data)), _agent_parameters(data))
    return _settled_agent(found, data)


def upsert_agent_and_team(
    agent: AgentInput | None, team: str | None
) -> tuple[Agent | None, Team | None]:
    """``upsert_agent`` and ``upsert_team`` for the agent and the team an interaction names,
    looked up together: one query when both are stored, as they are for every interaction
    but an agent's or a team's first. Flushes only."""
    if agent is None or team is None:
        return (upsert_agent(agent) if agent else None, upsert_team(team) if team else None)
    found_agent, found_team = db.session.execute(
        _agent_and_team_query(*_agent_shape(agent)), {**_agent_parameters(agent), "team": team}
    ).one()
    return _settled_agent(found_agent, agent), found_team or _added_team(team)


def _agent_shape(data: AgentInput) -> tuple[bool, bool]:
    """Whether the agent is looked for by email, and by name: what their query matches."""
    return data.email is not None, bool(data.name)


def _agent_parameters(data: AgentInput) -> dict[str, str | None]:
    return {"agent_email": data.email, "agent_name": data.name}


# The agent queries are built once per shape: every interaction posted runs one, and building
# it cost more than the database took to run it.


@functools.cache
def _agent_query(by_email: bool, by_name: bool) -> sa.Select[tuple[Agent]]:
    return sa.select(Agent).where(_agent_match(by_email, by_name)).order_by(*AGENT_ORDER).limit(1)


@functools.cache
def _agent_and_team_query(by_email: bool, by_name: bool) -> sa.Select[tuple[Agent, Team]]:
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    return (
        sa.select(Agent, Team)
        .select_from(one)
        .outerjoin(Agent, _agent_match(by_email, by_name))
        .outerjoin_from(one, Team, Team.name == sa.bindparam("team"))
        .order_by(*AGENT_ORDER)
        .limit(1)
    )


def _agent_match(by_email: bool, by_name: bool) -> sa.ColumnElement[bool]:
    """The agents an agent posted may be: the one with its email (the ``agent_email``
    parameter), and those with its name (``agent_name``) and no email."""
    found = []
    if by_email:
        found.append(Agent.email == sa.bindparam("agent_email"))
    if by_name:
        found.append(sa.and_(Agent.name == sa.bindparam("agent_name"), Agent.email.is_(None)))
    return sa.or_(*found)


#: The agent with the email first (those found by name have none), then the oldest.
AGENT_ORDER = (Agent.email.is_(None), Agent.id)


def _settled_agent(agent: Agent | None, data: AgentInput) -> Agent:
    """``agent`` as found (or added when None) with the email and name ``data`` gives."""
    if agent is None and data.email is not None:
        agent = add_or_find(Agent(email=data.email, name=data.name or ""), Agent.email)[0]
    elif agent is None:
        agent = Agent(name=data.name or "")
        db.session.add(agent)
    # Only what differs is set: an attribute set, even to its value, makes the flush work.
    if data.email is not None and agent.email != data.email:
        agent.email = data.email
    if data.name is not None and agent.name != data.name:
        agent.name = data.name
    db.session.flush()
    return agent


def upsert_team(name: str) -> Team:
    """Find the team by its exact name or add it. Flushes only."""
    team = db.session.scalar(sa.select(Team).where(Team.name == name))
    return team if team is not None else _added_team(name)


def _added_team(name: str) -> Team:
    return add_or_find(Team(name=name), Team.name)[0]
