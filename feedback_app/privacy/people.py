"""Finding a customer by address, and every row that is about them.

Export and forget both start from ``rows_of``, so the export holds exactly what a forget
would delete or strip, and the People page's preview counts the same rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from feedback_app.audit.service import record
from feedback_app.extensions import db
from feedback_app.ingest.people import normalize_email
from feedback_app.models import (
    CaseEvent,
    CommentReview,
    ConnectorDelivery,
    Customer,
    FollowUpCase,
    Interaction,
    Invitation,
    MailboxMessage,
    OutboxChannel,
    OutboxMessage,
    Response,
    Unsubscribe,
)
from feedback_app.questions.models import ResponseAnswer
from feedback_app.text_match import UnicodeLower, escape_like

#: Characters that may stand right before or after an address inside a longer one: an
#: address found next to one of them is someone else's (``bob@x.com`` in ``jimbob@x.com``).
_LOCAL_CHARS = r"[\w.!#$%&'*+/=?^`{|}~-]"


def find_customer(raw: str) -> Customer | None:
    """The customer with the address ``raw`` (validated and lower-cased), if any.

    :raises ValueError: ``raw`` is not an email address, saying why.
    """
    typed = raw.strip()
    address = normalize_email(typed)
    return db.session.scalar(
        sa.select(Customer)
        .where(Customer.email.in_({address, typed.lower()}))
        .order_by(Customer.id)
        .limit(1)
    )


@dataclass(frozen=True)
class PersonRows:
    """The ids of the rows about one customer, by table."""

    customer_id: int
    interactions: list[int]
    invitations: list[int]
    responses: list[int]
    cases: list[int]
    #: Emails addressed to them.
    emails: list[int]
    #: Other outbox rows whose content names them: webhook deliveries, staff alerts, digests.
    mentions: list[int]
    mailbox: list[int]
    unsubscribes: list[int]
    #: Helpdesk deliveries of their tickets, or whose kept body names them.
    helpdesk_deliveries: list[int]

    def counts(self) -> dict[str, int]:
        """How many rows of each kind: what a forget deletes (``deleted``) and what it keeps,
        stripped and tied to nobody (``kept_anonymous``)."""
        comments = _count(
            sa.select(Response.id).where(Response.id.in_(self.responses), Response.comment != "")
        )
        webhooks = _count(
            sa.select(OutboxMessage.id).where(
                OutboxMessage.id.in_(self.mentions),
                OutboxMessage.channel == OutboxChannel.WEBHOOK,
            )
        )
        return {
            "deleted": {
                "customer": 1,
                "invitations": len(self.invitations),
                "comments": comments,
                "written_answers": _count(
                    sa.select(ResponseAnswer.id).where(written_answers(self.responses))
                ),
                "comment_reviews": _count(
                    sa.select(CommentReview.id).where(CommentReview.response_id.in_(self.responses))
                ),
                "cases": len(self.cases),
                "case_events": _count(
                    sa.select(CaseEvent.id).where(CaseEvent.case_id.in_(self.cases))
                ),
                "emails": len(self.emails) + len(self.mentions) - webhooks,
                "webhook_deliveries": webhooks,
                "mailbox_messages": len(self.mailbox),
                "unsubscribes": len(self.unsubscribes),
                "helpdesk_deliveries": len(self.helpdesk_deliveries),
            },
            "kept_anonymous": {
                "responses": len(self.responses),
                "interactions": len(self.interactions),
            },
        }


def written_answers(response_ids: list[int]) -> sa.ColumnElement[bool]:
    """The answers to text questions among these responses': what the customer wrote."""
    return sa.and_(ResponseAnswer.response_id.in_(response_ids), ResponseAnswer.text.is_not(None))


def look_up(customer: Customer) -> dict[str, dict[str, int]]:
    """What the People page shows of ``customer`` besides the customer row: the counts of
    what a forget would delete and keep. Logged as a look-up; commits."""
    counts = rows_of(customer).counts()
    record("person.viewed", f"customer:{customer.id}", commit=True)
    return counts


def describe_counts(counts: dict[str, dict[str, int]]) -> str:
    """Counts as a phrase: ``1 customer, 2 invitations deleted; 2 responses kept anonymous``,
    kinds with none left out."""
    parts = []
    for group, by_kind in counts.items():
        named = [f"{n} {kind.replace('_', ' ')}" for kind, n in by_kind.items() if n]
        if named:
            parts.append(f"{', '.join(named)} {group.replace('_', ' ')}")
    return "; ".join(parts)


def _count(query: sa.Select[Any]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def _ids(query: sa.Select[Any]) -> list[int]:
    return sorted(db.session.scalars(query.order_by(None).distinct()))


def rows_of(customer: Customer) -> PersonRows:
    """Every row about ``customer``: theirs by key, or naming their address."""
    cid = customer.id
    interactions = _ids(sa.select(Interaction.id).where(Interaction.customer_id == cid))
    invitations = _ids(sa.select(Invitation.id).where(Invitation.customer_id == cid))
    responses = _ids(
        sa.select(Response.id).where(
            sa.or_(
                Response.customer_id == cid,
                Response.invitation_id.in_(invitations),
                Response.interaction_id.in_(interactions),
            )
        )
    )
    cases = _ids(
        sa.select(FollowUpCase.id).where(
            sa.or_(
                FollowUpCase.customer_id == cid,
                FollowUpCase.response_id.in_(responses),
                FollowUpCase.interaction_id.in_(interactions),
            )
        )
    )
    emails, mentions = _outbox_rows(customer.email, invitations)
    return PersonRows(
        customer_id=cid,
        interactions=interactions,
        invitations=invitations,
        responses=responses,
        cases=cases,
        emails=emails,
        mentions=mentions,
        mailbox=_mailbox_rows(customer.email),
        unsubscribes=_ids(sa.select(Unsubscribe.id).where(Unsubscribe.customer_id == cid)),
        helpdesk_deliveries=_helpdesk_deliveries(customer.email, interactions),
    )


def mentions_pattern(email: str) -> re.Pattern[str]:
    """Finds ``email`` in a text as a whole address, not inside a longer one."""
    return re.compile(rf"(?<!{_LOCAL_CHARS}){re.escape(email)}(?![\w-]|\.[\w-])", re.IGNORECASE)


def _text_like(column: Any, email: str) -> Any:
    """SQL narrowing rows to those whose column's text holds ``email``, as typed or as JSON
    escapes it (non-ASCII letters as ``\\u00e9``); ``mentions_pattern`` decides after."""
    text = UnicodeLower(sa.cast(column, sa.Text))
    forms = {email.lower(), json.dumps(email.lower())[1:-1]}
    return sa.or_(*(text.like(f"%{escape_like(form)}%", escape="\\") for form in forms))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _outbox_rows(email: str, invitations: list[int]) -> tuple[list[int], list[int]]:
    """Outbox emails to ``email`` (or for its invitations), and other rows naming it."""
    pattern = mentions_pattern(email)
    candidates = db.session.execute(
        sa.select(
            OutboxMessage.id,
            OutboxMessage.channel,
            OutboxMessage.recipient,
            OutboxMessage.payload,
            OutboxMessage.invitation_id,
        )
        .where(
            sa.or_(
                OutboxMessage.invitation_id.in_(invitations),
                _text_like(OutboxMessage.recipient, email),
                _text_like(OutboxMessage.payload, email),
            )
        )
        .order_by(OutboxMessage.id)
    )
    to_them, naming = [], []
    for row_id, channel, recipient, payload, invitation_id in candidates:
        if channel is OutboxChannel.EMAIL and (
            invitation_id in invitations or pattern.search(recipient)
        ):
            to_them.append(row_id)
        elif pattern.search(recipient) or any(map(pattern.search, _strings(payload))):
            naming.append(row_id)
    return to_them, naming


def _mailbox_rows(email: str) -> list[int]:
    """Development-mailbox messages to or naming ``email``."""
    pattern = mentions_pattern(email)
    columns = (
        MailboxMessage.recipient,
        MailboxMessage.subject,
        MailboxMessage.text,
        MailboxMessage.html,
        MailboxMessage.headers,
    )
    candidates = db.session.execute(
        sa.select(MailboxMessage.id, *columns)
        .where(sa.or_(*(_text_like(column, email) for column in columns)))
        .order_by(MailboxMessage.id)
    )
    return [
        row_id
        for row_id, *values in candidates
        if any(pattern.search(text) for value in values for text in _strings(value))
    ]


def _helpdesk_deliveries(email: str, interactions: list[int]) -> list[int]:
    """Connector deliveries that made their interactions, or whose body names ``email``
    (a refused or ignored delivery is tied to no interaction, but its body is kept)."""
    pattern = mentions_pattern(email)
    body = ConnectorDelivery.body
    # The body is bytes: PostgreSQL shows bytea as text through encode(…, 'escape') (an
    # address is ASCII, so it reads as typed); SQLite casts a blob to text as it is.
    if db.engine.dialect.name == "postgresql":
        text = sa.func.encode(body, "escape")
    else:
        text = sa.cast(body, sa.Text)
    candidates = db.session.execute(
        sa.select(ConnectorDelivery.id, ConnectorDelivery.interaction_id, body)
        .where(
            sa.or_(
                ConnectorDelivery.interaction_id.in_(interactions),
                _text_like(text, email),
            )
        )
        .order_by(ConnectorDelivery.id)
    )
    return [
        row_id
        for row_id, interaction_id, raw in candidates
        if interaction_id in interactions
        or (raw is not None and pattern.search(raw.decode("utf-8", errors="replace")))
    ]
