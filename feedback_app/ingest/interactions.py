"""Recording a closed interaction from a helpdesk, and the invitation it brings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from feedback_app.channels.labels import Labeller
from feedback_app.extensions import db
from feedback_app.ingest.people import (
    AgentInput,
    CustomerInput,
    normalize_label,
    upsert_agent_and_team,
    upserted_customer,
)
from feedback_app.ingest.transactions import add_or_find, committed
from feedback_app.models import Agent, Customer, Interaction, Invitation, Survey, Team
from feedback_app.routing.service import Routed, choose_survey
from feedback_app.services.invitations import invite_or_suppress
from surveys.kinds import SurveyKind
from surveys.routing import Contact


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
    # to, then the interaction itself, complete.
    team_name, topic = normalize_label(data.team), normalize_label(data.topic)
    channel = Labeller(now)(data.channel)
    upserted = upserted_customer(data.customer, now) if data.customer else None
    customer = upserted.customer if upserted else None
    agent, team = upsert_agent_and_team(data.agent, team_name)
    # Routed before it is known to be new: a new interaction then costs one statement (the
    # insert), a known one the routing query more, and that query's answer is dropped.
    routed = _survey_to_ask(data, team_name, customer, now) if customer else None
    new = Interaction(
        source=data.source,
        external_id=data.external_id,
        created_at=now,
        routing_rule_id=routed.rule_id if routed else None,
        routing_reason=routed.reason if routed else None,
    )
    _describe(new, data, now, channel=channel, topic=topic, ids=(customer, agent, team))
    interaction, created = add_or_find(new, Interaction.source, Interaction.external_id)
    if not created:
        _describe(interaction, data, now, channel=channel, topic=topic, ids=(customer, agent, team))
        # Written even when already set, so the UPDATE waits for a worker settling the row
        # and leaves it unsettled after that worker's commit.
        flag_modified(interaction, "unsettled")
        db.session.flush()
    # What was just written is what they are: loading them again would cost a query each.
    set_committed_value(interaction, "customer", customer)
    set_committed_value(interaction, "agent", agent)
    set_committed_value(interaction, "team", team)
    if not created:
        invitation = db.session.scalar(
            sa.select(Invitation)
            .where(Invitation.interaction_id == interaction.id)
            .order_by(Invitation.id)
            .limit(1)
        )
    elif routed is None or upserted is None:
        invitation = None
    else:
        delay = routed.survey.delay_seconds if data.delay_seconds is None else data.delay_seconds
        invitation = invite_or_suppress(
            routed.survey,
            upserted.customer,
            now,
            send_at=now + timedelta(seconds=delay),
            interaction=interaction,
            new_customer=upserted.added,
            forgotten=upserted.forgotten,
        )
    return IngestResult(interaction=interaction, created=created, invitation=invitation)


def _survey_to_ask(
    data: InteractionInput, team: str | None, customer: Customer, now: datetime
) -> Routed | None:
    """The survey a new interaction's invitation goes to: the one given (a connector's own),
    else the one its kind's routing rules choose from the post and the customer as now
    stored (``team`` as normalised); None when no survey was asked."""
    if data.survey is None:
        return None
    given = db.session.get(Survey, data.survey_id) if data.survey_id is not None else None
    if given is not None:
        return Routed(given, None, given=True)
    contact = Contact(
        channel=str(data.channel),
        team=team,
        source=data.source,
        locale=customer.locale,
        properties=customer.properties,
        tags=data.tags,
    )
    return choose_survey(data.survey, contact, now)


def _describe(
    interaction: Interaction,
    data: InteractionInput,
    now: datetime,
    *,
    channel: str,
    topic: str | None,
    ids: tuple[Customer | None, Agent | None, Team | None],
) -> None:
    """Give ``interaction`` the values posted (those a repost replaces)."""
    customer, agent, team = ids
    interaction.customer_id = customer.id if customer else None
    interaction.agent_id = agent.id if agent else None
    interaction.team_id = team.id if team else None
    interaction.channel = channel
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
