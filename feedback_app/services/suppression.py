"""Unsubscribes and hard bounces: recorded with time and source, and acted on at once.

Recording one suppresses the customer's invitations that are still scheduled (with the
reason), and ``dispatch`` checks again just before sending, so nothing scheduled earlier
slips through.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation, Survey, Unsubscribe
from feedback_app.privacy.blocklist import block_forgotten
from feedback_app.services.webhooks import queue_unsubscribe_event
from feedback_app.text_match import any_contains_text
from surveys.invitations import InvitationStatus, SuppressionReason
from surveys.kinds import SurveyKind

#: Where an unsubscribe came from.
SOURCES = ("link", "one-click", "api", "admin")


def customer_for_email(email: str, now: datetime) -> Customer:
    """The customer with ``email`` (lower-cased), added if unknown so the opt-out sticks."""
    address = email.strip().lower()
    customer = db.session.scalar(sa.select(Customer).where(Customer.email == address))
    if customer is None:
        customer = Customer(email=address, name="", created_at=now, updated_at=now)
        db.session.add(customer)
        db.session.flush()
    return customer


def opt_outs(customer_ids: Iterable[int]) -> dict[int, set[SurveyKind | None]]:
    """Each customer's active opt-outs: survey kinds, and ``None`` for "all surveys" (also
    for a forgotten address that came back)."""
    ids = list(customer_ids)
    found: dict[int, set[SurveyKind | None]] = {customer_id: set() for customer_id in ids}
    rows = db.session.execute(
        sa.select(Unsubscribe.customer_id, Unsubscribe.kind).where(
            Unsubscribe.customer_id.in_(ids), Unsubscribe.revoked_at.is_(None)
        )
    )
    for customer_id, kind in rows:
        found[customer_id].add(kind)
    return block_forgotten(found)


def reason_to_suppress(
    customer: Customer, kind: SurveyKind, opted_out: set[SurveyKind | None]
) -> SuppressionReason | None:
    """Why an invitation of ``kind`` must not go to ``customer`` now, if it must not."""
    if customer.bounced_at is not None:
        return SuppressionReason.BOUNCED
    if None in opted_out or kind in opted_out:
        return SuppressionReason.UNSUBSCRIBED
    return None


def suppress_scheduled(
    customer: Customer, reason: SuppressionReason, kind: SurveyKind | None = None
) -> int:
    """Suppress the customer's still-scheduled invitations (of ``kind``, or all); how many."""
    condition = [
        Invitation.customer_id == customer.id,
        Invitation.status == InvitationStatus.SCHEDULED,
    ]
    if kind is not None:
        condition.append(Invitation.survey_id.in_(sa.select(Survey.id).where(Survey.kind == kind)))
    result = db.session.execute(
        sa.update(Invitation)
        .where(*condition)
        .values(status=InvitationStatus.SUPPRESSED, suppression_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def unsubscribe(
    customer: Customer,
    kind: SurveyKind | None,
    source: str,
    now: datetime,
    reason: str | None = None,
) -> tuple[Unsubscribe, bool]:
    """Record the customer's opt-out from ``kind`` (or all when None), and queue its
    ``unsubscribe.created`` webhooks; flushes only. ``reason`` is an admin's, adding it by hand.

    Returns the active record and whether it is new: asking twice records one.
    """
    existing = db.session.scalar(
        sa.select(Unsubscribe).where(
            Unsubscribe.customer_id == customer.id,
            Unsubscribe.revoked_at.is_(None),
            Unsubscribe.kind.is_(None) if kind is None else Unsubscribe.kind == kind,
        )
    )
    if existing is not None:
        return existing, False
    record = Unsubscribe(customer=customer, kind=kind, source=source, created_at=now, reason=reason)
    db.session.add(record)
    suppress_scheduled(customer, SuppressionReason.UNSUBSCRIBED, kind)
    db.session.flush()
    queue_unsubscribe_event(record, now)
    return record, True


def add_unsubscribe(
    email: str, kind: SurveyKind | None, reason: str, now: datetime
) -> tuple[Unsubscribe, bool]:
    """An admin records an opt-out by hand, as the customer's own link would, and it is
    audited; flushes only. The customer is added if unknown, so that the opt-out sticks.

    Returns the active record and whether it is new: an address already unsubscribed from
    ``kind`` keeps its record, and nothing is audited.

    :raises ValueError: ``email`` is not an email address, saying why.
    """
    # Imported here: ingest reads opt-outs (through invitations) from this module.
    from feedback_app.ingest.people import normalize_email

    customer = customer_for_email(normalize_email(email.strip()), now)
    record, created = unsubscribe(customer, kind, "admin", now, reason=reason.strip())
    if created:
        audit.record(
            "unsubscribe.added",
            f"unsubscribe:{record.id}",
            {
                "customer": record.customer_id,
                "kind": record.kind.value if record.kind else "all",
                "reason": record.reason,
            },
        )
    return record, created


def revoke_unsubscribe(record: Unsubscribe, by: str, reason: str, now: datetime) -> None:
    """An admin reverses an opt-out, saying why; the row stays as the record. Flushes only.

    Invitations suppressed meanwhile stay suppressed: they were not sent at the time.
    """
    if record.revoked_at is None:
        record.revoked_at = now
        record.revoked_by = by
        record.revoked_reason = reason
        db.session.flush()


def unsubscribes_query(search: str = "") -> sa.Select[tuple[Unsubscribe]]:
    """The opt-outs of customers whose email or name holds ``search``, newest first."""
    return (
        sa.select(Unsubscribe)
        .join(Customer)
        .where(any_contains_text(search, Customer.email, Customer.name))
        .order_by(Unsubscribe.id.desc())
    )


def record_bounce(email: str, now: datetime) -> tuple[Customer, int]:
    """Mark the address as hard-bounced and suppress what was scheduled for it; flushes only.

    Returns the customer and how many scheduled invitations were suppressed.
    """
    customer = customer_for_email(email, now)
    if customer.bounced_at is None:
        customer.bounced_at = now
        customer.updated_at = now
    suppressed = suppress_scheduled(customer, SuppressionReason.BOUNCED)
    audit.record("bounce.recorded", f"customer:{customer.id}", {"suppressed": suppressed})
    db.session.flush()
    return customer, suppressed
