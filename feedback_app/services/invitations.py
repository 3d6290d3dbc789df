"""Invitation rows, their link tokens and survey URLs, and inviting under the fatigue rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from feedback_app.extensions import db
from feedback_app.ingest.transactions import inserted
from feedback_app.models import Customer, Interaction, Invitation, Survey
from feedback_app.privacy.blocklist import forgotten_customers
from feedback_app.services.claims import take_write_lock
from feedback_app.services.suppression import opt_outs
from surveys.fatigue import SCHEDULE, CustomerFacts, SurveyRules, decide
from surveys.invitations import InvitationStatus, SuppressionReason
from surveys.kinds import SurveyKind
from surveys.tokens import derive_token, hash_token, new_salt


def add_invitation(
    survey: Survey,
    customer: Customer,
    now: datetime,
    *,
    interaction: Interaction | None = None,
    scheduled_for: datetime | None = None,
    suppressed: SuppressionReason | None = None,
) -> Invitation:
    """Add an invitation (scheduled, or suppressed with its reason); flushes only.

    The invitation expires ``survey.expiry_days`` after it is scheduled to go out.
    """
    salt = new_salt()
    when = scheduled_for or now
    # Its rows are stored first, as a flush's cascade would store them: their ids are read.
    unsaved = [row for row in (survey, customer, interaction) if row and not sa.inspect(row).key]
    db.session.add_all(unsaved)
    db.session.flush()
    invitation = Invitation(
        survey_id=survey.id,
        customer_id=customer.id,
        interaction_id=interaction.id if interaction else None,
        token_salt=salt,
        token_hash=hash_token(derive_token(current_app.config["SECRET_KEY"], salt)),
        status=InvitationStatus.SUPPRESSED if suppressed else InvitationStatus.SCHEDULED,
        suppression_reason=suppressed,
        scheduled_for=when,
        expires_at=when + timedelta(days=survey.expiry_days),
        created_at=now,
    )
    invitation = inserted(invitation)
    set_committed_value(invitation, "survey", survey)
    set_committed_value(invitation, "customer", customer)
    set_committed_value(invitation, "interaction", interaction)
    return invitation


def token_for(invitation: Invitation) -> str:
    """Re-derive the invitation's link token from its salt and the app secret."""
    return derive_token(current_app.config["SECRET_KEY"], invitation.token_salt)


def survey_url(invitation: Invitation, score: int | None = None) -> str:
    """The absolute link to the hosted survey page, optionally pre-selecting ``score``."""
    url = f"{current_app.config['BASE_URL'].rstrip('/')}/s/{token_for(invitation)}"
    return url if score is None else f"{url}?score={score}"


#: The survey page's invitation with everything the page needs, built once: on the answer
#: path, constructing an ORM statement costs more than the database takes to run it.
_BY_TOKEN = (
    sa.select(Invitation)
    .where(Invitation.token_hash == sa.bindparam("token_hash"))
    .options(
        joinedload(Invitation.survey, innerjoin=True),
        joinedload(Invitation.customer, innerjoin=True),
        joinedload(Invitation.interaction),
    )
)
#: Locks only the invitation's row, never its survey's, which every answer shares.
_BY_TOKEN_LOCKED = _BY_TOKEN.with_for_update(of=Invitation).execution_options(
    populate_existing=True
)


def find_by_token(token: str, *, lock: bool = False) -> Invitation | None:
    """The invitation a link token belongs to, with its survey, customer and interaction.

    :param lock: lock the invitation row for this transaction, to answer it: answers to one
        invitation (a double tap, two tabs) are serialised by this lock.
    """
    if not token or len(token) > 128:
        return None
    if lock:
        take_write_lock()
    statement = _BY_TOKEN_LOCKED if lock else _BY_TOKEN
    return db.session.scalar(statement, {"token_hash": hash_token(token)})


def fatigue_rules(survey: Survey) -> SurveyRules:
    """The survey's settings that the fatigue decision reads."""
    return SurveyRules(
        kind=survey.kind,
        enabled=survey.enabled,
        fatigue_days=survey.fatigue_days,
        cadence_days=survey.cadence_days,
    )


def fatigue_facts(customers: Sequence[Customer], kind: SurveyKind) -> dict[int, CustomerFacts]:
    """Each customer's opt-outs, bounce and latest invitations, by id, in two queries.

    Suppressed invitations do not count: they never reached the customer.
    """
    ids = [customer.id for customer in customers]
    latest: dict[int, dict[SurveyKind, datetime]] = {customer_id: {} for customer_id in ids}
    rows = db.session.execute(
        sa.select(Invitation.customer_id, Survey.kind, sa.func.max(Invitation.scheduled_for))
        .join(Survey, Invitation.survey_id == Survey.id)
        .where(
            Invitation.customer_id.in_(ids),
            Invitation.status != InvitationStatus.SUPPRESSED,
        )
        .group_by(Invitation.customer_id, Survey.kind)
    )
    for customer_id, survey_kind, last in rows:
        latest[customer_id][survey_kind] = last
    opted_out = opt_outs(ids)
    return {
        customer.id: CustomerFacts(
            unsubscribed_from_kind=kind in opted_out[customer.id],
            unsubscribed_from_all=None in opted_out[customer.id],
            bounced=customer.bounced_at is not None,
            last_invited_at=max(latest[customer.id].values(), default=None),
            last_invited_at_of_kind=latest[customer.id].get(kind),
        )
        for customer in customers
    }


def invite_or_suppress(
    survey: Survey,
    customer: Customer,
    now: datetime,
    *,
    send_at: datetime | None = None,
    interaction: Interaction | None = None,
    new_customer: bool = False,
    forgotten: bool | None = None,
) -> Invitation:
    """Add the customer's invitation to ``survey``: scheduled, or suppressed with its reason.

    Applies ``surveys.fatigue.decide`` (survey disabled, unsubscribed, bounced, throttled);
    a suppressed invitation is recorded, never dropped. Flushes only.

    :param send_at: when it should go out (``scheduled_for``); ``now`` when not given.
    :param interaction: the interaction it asks about, if any.
    :param new_customer: the customer was added in this transaction, so has no invitation,
        opt-out or bounce yet, and no other transaction can see them: nothing to lock and only
        the forgotten addresses to read (two queries fewer on every interaction of a new
        customer). A forgotten address that comes back is such a new customer.
    :param forgotten: for a new customer, whether their address was forgotten before, when
        the caller read it with the customer's insert; read here when None.
    """
    due = [(customer, send_at or now)]
    known = None if forgotten is None else ({customer.id} if forgotten else set())
    return _invite_or_suppress_each(
        survey, due, now, interaction, new=new_customer, forgotten=known
    )[0]


def invite_or_suppress_many(
    survey: Survey, due: Sequence[tuple[Customer, datetime]], now: datetime
) -> list[Invitation]:
    """``invite_or_suppress`` for many customers, each with its send time; flushes only.

    The customers must be distinct: the fatigue facts are read once, before any is added.
    """
    return _invite_or_suppress_each(survey, due, now, None)


def _invite_or_suppress_each(
    survey: Survey,
    due: Sequence[tuple[Customer, datetime]],
    now: datetime,
    interaction: Interaction | None,
    *,
    new: bool = False,
    forgotten: set[int] | None = None,
) -> list[Invitation]:
    customers = [customer for customer, _ in due]
    if not customers:
        return []
    rules = fatigue_rules(survey)
    if new:
        if forgotten is None:
            forgotten = forgotten_customers(customer.id for customer in customers)
        facts = {
            customer.id: CustomerFacts(unsubscribed_from_all=customer.id in forgotten)
            for customer in customers
        }
    else:
        # Lock the customers' rows (PostgreSQL) so two requests for one customer decide in
        # turn, the second seeing the first's invitation; SQLite serialises writers anyway.
        db.session.execute(
            sa.select(Customer.id)
            .where(Customer.id.in_([customer.id for customer in customers]))
            .with_for_update()
        )
        facts = fatigue_facts(customers, survey.kind)
    invitations = []
    for customer, send_at in due:
        decision = decide(rules, facts[customer.id], send_at)
        invitations.append(
            add_invitation(
                survey,
                customer,
                now,
                interaction=interaction,
                scheduled_for=send_at,
                suppressed=None if decision == SCHEDULE else SuppressionReason(decision),
            )
        )
    return invitations
