"""Ingest from a helpdesk: customers, agents and teams upserted, and the interaction use case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from feedback_app.channels.labels import Labeller
from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Interaction, Invitation, Survey, Team
from feedback_app.routing.service import Routed, choose_survey
from feedback_app.services.embed.flood import dialect_insert
from feedback_app.services.invitations import invite_or_suppress
from feedback_app.services.support import segments
from feedback_app.services.support.segment_moves import customer_changed
from surveys.kinds import SurveyKind
from surveys.routing import Contact

T = TypeVar("T")
M = TypeVar("M", Customer, Agent, Team)


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


@dataclass(frozen=True)
class InteractionInput:
    """One interaction as posted; on a repost these values replace the stored ones."""

    external_id: str
    #: None for an anonymous contact: counted in the support figures, never surveyed.
    customer: CustomerInput | None
    #: The channel as the helpdesk names it; the alias table gives its label.
    channel: str | None = None
    agent: AgentInput | None = None
    team: str | None = None
    #: The ticket's type or category; normalised by ``normalize_label``.
    topic: str | None = None
    #: False for an abandoned call or chat.
    answered: bool = True
    opened_at: datetime | None = None
    first_response_at: datetime | None = None
    #: The first response as a duration, when the helpdesk gives no time for it.
    first_response_seconds: int | None = None
    resolved_at: datetime | None = None
    #: Handle time is talk + hold + after-call work; ``handle_seconds`` when only the total
    #: is known.
    handle_seconds: int | None = None
    talk_seconds: int | None = None
    hold_seconds: int | None = None
    after_work_seconds: int | None = None
    first_contact_resolved: bool | None = None
    #: The survey to invite to; None for no survey.
    survey: SurveyKind | None = None
    #: Seconds from now until the invitation goes out; None for the survey's own delay.
    delay_seconds: int | None = None
    #: ``api``, or the connector that received it; the external id is unique per source.
    source: str = "api"
    #: A particular survey of ``survey``'s kind, instead of the one its routing rules choose.
    survey_id: int | None = None
    #: The ticket's tags, for the routing rules; not stored.
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class IngestResult:
    interaction: Interaction
    #: False when the external id was known: the interaction was updated, nobody invited.
    created: bool
    #: The interaction's invitation (scheduled, suppressed or later), or None if none was asked.
    invitation: Invitation | None


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


def committed(work: Callable[[], T], *, keep_loaded: bool = False) -> T:
    """Run ``work`` and commit; run it once more if a unique key raced with another request.

    Two concurrent posts for one new external id both find no interaction and both insert it;
    the loser fails on the unique key. Run again, it finds the winner's row. (Customers,
    agents and teams are added so that a race for one never fails: ``_add_or_find``.)

    ``keep_loaded`` keeps the rows ``work`` wrote loaded after the commit: what it wrote is
    what they hold, and reloading them to answer the request cost three more queries.
    """
    try:
        result = work()
        _commit(keep_loaded)
    except IntegrityError:
        db.session.rollback()
    else:
        return result
    result = work()
    _commit(keep_loaded)
    return result


def _commit(keep_loaded: bool) -> None:
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = expire and not keep_loaded
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def upsert_customer(data: CustomerInput, now: datetime) -> Customer:
    """Find the customer by email or add them; update the fields given. Flushes only."""
    return _upsert_customer(data, now)[0]


def _upsert_customer(data: CustomerInput, now: datetime) -> tuple[Customer, bool]:
    """``upsert_customer``, and whether the customer was added.

    A new customer costs one statement, the INSERT of the row as given; a known one, that
    INSERT doing nothing, then a SELECT and an UPDATE.
    """
    new = Customer(email=data.email, name="", properties={}, created_at=now)
    _update_customer(new, data, now)
    customer, added = _add_or_find(new, Customer.email)
    if added:
        before = segments.values_of({})
    else:
        before = segments.values_of(customer.properties)
        _update_customer(customer, data, now)
        db.session.flush()
    customer_changed(customer, before)
    return customer, added


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


def _add_or_find(row: M, key: Any) -> tuple[M, bool]:
    """Insert the new ``row`` unless one with its unique ``key`` column's value is stored;
    the row stored, and whether it was added. One statement when it is added
    (``INSERT … ON CONFLICT DO NOTHING``), two when it was there.

    A concurrent transaction adding the same key makes the insert wait for its commit and do
    nothing rather than fail, so concurrent posts for one new customer, agent or team all
    succeed, the later ones finding the first one's row.
    """
    mapper = sa.inspect(type(row))
    state = sa.inspect(row).dict
    values = {
        attribute.key: state[attribute.key]
        for attribute in mapper.column_attrs
        if state.get(attribute.key) is not None
    }
    insert = dialect_insert(db.session.get_bind().dialect.name)
    statement = (
        insert(type(row))
        .values(values)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(type(row))
    )
    added = db.session.scalars(statement).one_or_none()
    if added is not None:
        return added, True
    stored = sa.select(type(row)).where(key == getattr(row, key.key))
    return db.session.scalars(stored).one(), False


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
    agent = _find_agent(data)
    if agent is None and data.email is not None:
        agent = _add_or_find(Agent(email=data.email, name=data.name or ""), Agent.email)[0]
    elif agent is None:
        agent = Agent(name=data.name or "")
        db.session.add(agent)
    if data.email is not None:
        agent.email = data.email
    if data.name is not None:
        agent.name = data.name
    db.session.flush()
    return agent


def _find_agent(data: AgentInput) -> Agent | None:
    """The agent with ``data``'s email, else the first with its name and no email; one
    query."""
    found = []
    if data.email is not None:
        found.append(Agent.email == data.email)
    if data.name:
        found.append(sa.and_(Agent.name == data.name, Agent.email.is_(None)))
    return db.session.scalar(
        sa.select(Agent)
        .where(sa.or_(*found))
        # An agent found by email has one; those found by name have none.
        .order_by(Agent.email.is_(None), Agent.id)
        .limit(1)
    )


def upsert_team(name: str) -> Team:
    """Find the team by its exact name or add it. Flushes only."""
    team = db.session.scalar(sa.select(Team).where(Team.name == name))
    return team if team is not None else _add_or_find(Team(name=name), Team.name)[0]


def ingest_interaction(data: InteractionInput, now: datetime) -> IngestResult:
    """Record a closed interaction and invite its customer once; commits.

    An anonymous contact (no customer) is recorded and never invited. The support rollups
    count it when the worker settles it.
    A new ``external_id`` adds the interaction and, unless ``data.survey`` is None, an
    invitation: scheduled for ``now`` plus the delay, or suppressed with its reason. A known
    one updates the interaction and its customer, and returns the invitation made the first
    time: an interaction is never invited twice.
    """
    return committed(lambda: _ingest(data, now), keep_loaded=True)


def record_interaction(data: InteractionInput, now: datetime) -> IngestResult:
    """``ingest_interaction`` in the caller's transaction: flushes only, for a caller that
    commits it together with its own rows (a connector's delivery)."""
    return _ingest(data, now)


def _ingest(data: InteractionInput, now: datetime) -> IngestResult:
    # Check the labels before writing anything, then upsert everything the interaction points
    # to: its own row is added last, complete, so no autoflush ever sends it half-filled.
    team_name, topic = normalize_label(data.team), normalize_label(data.topic)
    channel = Labeller(now)(data.channel)
    customer, new_customer = (
        _upsert_customer(data.customer, now) if data.customer else (None, False)
    )
    agent = upsert_agent(data.agent) if data.agent else None
    team = upsert_team(team_name) if team_name else None
    interaction = db.session.scalar(
        sa.select(Interaction).where(
            Interaction.source == data.source, Interaction.external_id == data.external_id
        )
    )
    created = interaction is None
    # Chosen before the new row is added: the rules' query would flush it half-filled.
    routed = _survey_to_ask(data, customer, now) if created and customer else None
    if interaction is None:
        interaction = Interaction(
            source=data.source,
            external_id=data.external_id,
            created_at=now,
            routing_rule_id=routed.rule_id if routed else None,
            routing_reason=routed.reason if routed else None,
        )
        db.session.add(interaction)
    interaction.customer = customer
    interaction.channel = channel
    interaction.agent = agent
    interaction.team = team
    interaction.topic = topic
    interaction.answered = data.answered
    interaction.opened_at = data.opened_at
    interaction.first_response_at = data.first_response_at
    interaction.first_response_seconds = data.first_response_seconds
    interaction.resolved_at = data.resolved_at
    interaction.handle_seconds = data.handle_seconds
    interaction.talk_seconds = data.talk_seconds
    interaction.hold_seconds = data.hold_seconds
    interaction.after_work_seconds = data.after_work_seconds
    interaction.first_contact_resolved = data.first_contact_resolved
    interaction.updated_at = now
    # The support rollups are moved by the worker (``services.support.settling``), in
    # batches: upkeep here would make every post queue on the day's rollup rows.
    interaction.unsettled = True
    # Written even when already set, so the UPDATE waits for a worker settling the row and
    # leaves it unsettled after that worker's commit.
    flag_modified(interaction, "unsettled")
    db.session.flush()
    if not created:
        invitation = db.session.scalar(
            sa.select(Invitation)
            .where(Invitation.interaction_id == interaction.id)
            .order_by(Invitation.id)
            .limit(1)
        )
    elif routed is None or customer is None:
        invitation = None
    else:
        delay = routed.survey.delay_seconds if data.delay_seconds is None else data.delay_seconds
        invitation = invite_or_suppress(
            routed.survey,
            customer,
            now,
            send_at=now + timedelta(seconds=delay),
            interaction=interaction,
            new_customer=new_customer,
        )
    return IngestResult(interaction=interaction, created=created, invitation=invitation)


def _survey_to_ask(data: InteractionInput, customer: Customer, now: datetime) -> Routed | None:
    """The survey a new interaction's invitation goes to: the one given (a connector's own),
    else the one its kind's routing rules choose from the post and the customer as now
    stored; None when no survey was asked."""
    if data.survey is None:
        return None
    given = db.session.get(Survey, data.survey_id) if data.survey_id is not None else None
    if given is not None:
        return Routed(given, None, given=True)
    contact = Contact(
        channel=str(data.channel),
        team=normalize_label(data.team),
        source=data.source,
        locale=customer.locale,
        properties=customer.properties,
        tags=data.tags,
    )
    return choose_survey(data.survey, contact, now)
