"""Forgetting a customer: everything about them deleted, their scores kept for nobody.

What goes: the customer (properties, bounce), their invitations, comments, written answers
to additional questions and comment reviews, follow-up cases with their timelines, notes and
replies, the outbox rows addressed to them or naming them (emails, staff alerts, webhook
deliveries), development-mailbox messages, and unsubscribes. Their address is kept only as
a keyed hash that blocks new invitations (``privacy.blocklist``).

What stays, tied to nobody: each response as a bare score with the choices and ratings it
gave the additional questions (counted in the reason breakdowns), stripped of comment, language,
import id and its links to the customer, invitation and interaction, and dated at the start
of its UTC day. The dashboard's score figures are the rollups, per survey, day, channel,
team and agent, and the responses stay their source of truth: keeping those bare score rows
(rather than separate "forgotten counts") means the figures do not move, ``feedback rollups
check`` still agrees, and ``rollups rebuild`` gives the same counts, with nothing for the
rollup code to know about forgetting. Interactions stay too, unlinked, so the support
figures keep them; a resolved one's first-contact verdict is fixed first from the
customer's own later contacts, which are no longer findable afterwards. Figures read from
rows that are deleted lose them: the response rate (invitations) and the follow-up figures
(cases), and a breakdown by customer property counts the scores under "none".
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa

from feedback_app.audit.service import record
from feedback_app.extensions import db
from feedback_app.models import (
    CommentReview,
    ConnectorDelivery,
    Customer,
    DelightedResponse,
    FollowUpCase,
    Interaction,
    Invitation,
    MailboxMessage,
    OutboxMessage,
    Response,
    ThemeMention,
    ThemeTag,
    Unsubscribe,
)
from feedback_app.privacy.blocklist import remember_forgotten
from feedback_app.privacy.people import PersonRows, rows_of, written_answers
from feedback_app.questions.models import ResponseAnswer
from feedback_app.services.claims import take_write_lock
from feedback_app.services.metrics import repeat_window
from surveys.metrics import Contact, opened_by_customer, resolved_at_first_contact


def forget_person(customer: Customer, now: datetime) -> dict[str, dict[str, int]]:
    """Forget ``customer`` in one transaction and log it; commits.

    Returns what was deleted and what was kept anonymous, by kind (``PersonRows.counts``).
    """
    # Their rows are locked first (PostgreSQL; SQLite takes its write lock): an interaction
    # or invitation for them waits on the customer's row and then finds them gone, and a
    # worker settling one of their answers finishes first, so its case is found below.
    take_write_lock()
    for model, column in ((Customer, Customer.id), (Response, Response.customer_id)):
        db.session.execute(sa.select(model.id).where(column == customer.id).with_for_update())
    rows = rows_of(customer)
    counts = rows.counts()
    _fix_first_contact_verdicts(rows)
    _delete(OutboxMessage, OutboxMessage.id.in_(rows.emails + rows.mentions))
    _delete(MailboxMessage, MailboxMessage.id.in_(rows.mailbox))
    _delete(ConnectorDelivery, ConnectorDelivery.id.in_(rows.helpdesk_deliveries))
    # Their tags and a case's timeline go with them (ON DELETE CASCADE).
    _delete(CommentReview, CommentReview.response_id.in_(rows.responses))
    _delete(FollowUpCase, FollowUpCase.id.in_(rows.cases))
    # Their comments no longer count in the kept themes nor carry pinned themes' tags.
    _delete(ThemeMention, ThemeMention.response_id.in_(rows.responses))
    _delete(ThemeTag, ThemeTag.response_id.in_(rows.responses))
    # What they wrote in answer to additional questions; their choices and ratings stay,
    # counted in the reason breakdowns like the score.
    _delete(ResponseAnswer, written_answers(rows.responses))
    # The notes and tags of Delighted's that were imported with their answers.
    _delete(DelightedResponse, DelightedResponse.response_id.in_(rows.responses))
    _strip_responses(rows.responses)
    db.session.execute(
        sa.update(Interaction)
        .where(Interaction.id.in_(rows.interactions))
        .values(customer_id=None)
        .execution_options(synchronize_session=False)
    )
    _delete(Invitation, Invitation.customer_id == customer.id)
    _delete(Unsubscribe, Unsubscribe.customer_id == customer.id)
    remember_forgotten(customer.email, now)
    _delete(Customer, Customer.id == customer.id)
    # Named by id, never by address: the log must not keep what was just forgotten.
    record("person.forgotten", f"customer:{rows.customer_id}", counts)
    db.session.commit()
    return counts


def _delete(model: Any, condition: Any) -> None:
    db.session.execute(
        sa.delete(model).where(condition).execution_options(synchronize_session=False)
    )


def _strip_responses(ids: list[int]) -> None:
    """Leave each response as a score of a survey on a day, by channel, team and agent: what
    the rollups count. The time of day goes too, so that nobody can match the score to a
    ticket by when it came in."""
    for day_start, response_ids in _by_day(ids).items():
        db.session.execute(
            sa.update(Response)
            .where(Response.id.in_(response_ids))
            .values(
                customer_id=None,
                invitation_id=None,
                interaction_id=None,
                comment="",
                announced_comment_digest=None,
                locale=None,
                source_id=None,
                created_at=day_start,
                updated_at=day_start,
            )
            .execution_options(synchronize_session=False)
        )


def _by_day(ids: list[int]) -> dict[datetime, list[int]]:
    days: dict[datetime, list[int]] = {}
    for response_id, created_at in db.session.execute(
        sa.select(Response.id, Response.created_at).where(Response.id.in_(ids))
    ):
        start = datetime.combine(created_at.astimezone(UTC).date(), time(), UTC)
        days.setdefault(start, []).append(response_id)
    return days


def _fix_first_contact_verdicts(rows: PersonRows) -> None:
    """Store each resolved interaction's first-contact verdict, judged as the FCR figure
    judges it (the customer's next contact within the repeat window undoes it), where the
    helpdesk sent none: once the customer is gone, their contacts cannot be matched."""
    interactions = db.session.scalars(
        sa.select(Interaction).where(Interaction.id.in_(rows.interactions))
    ).all()
    contacts = [
        Contact(
            rows.customer_id,
            item.opened_at or item.created_at,
            item.resolved_at,
            item.first_contact_resolved,
        )
        for item in interactions
    ]
    opened = opened_by_customer(contacts)
    window = repeat_window()
    for interaction, contact in zip(interactions, contacts, strict=True):
        if contact.resolved_at is not None and contact.helpdesk_flag is None:
            interaction.first_contact_resolved = resolved_at_first_contact(contact, opened, window)
    db.session.flush()
