"""Storing a Delighted account's checked rows: idempotent by Delighted's ids.

A person is found by their Delighted id, else by email (and then given that id), else
added. A response whose Delighted id is stored is left alone, so an export imported twice
changes nothing the second time. Responses are history: counted in the rollups, with no
follow-up case and no webhook, as ``import-responses`` stores them; opt-outs likewise notify
nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.ingest.people import CustomerInput, upsert_customer
from feedback_app.models import (
    Customer,
    DelightedPerson,
    DelightedResponse,
    Response,
    Unsubscribe,
)
from feedback_app.services.imports import batches, insert_counted
from feedback_app.services.suppression import suppress_scheduled
from feedback_app.services.surveys import survey_for_kind
from surveys.answers import ResponseSource
from surveys.bucketing import classify
from surveys.delighted_export import OptOutRow, PersonRow, ResponseRow, Section, Who
from surveys.imports import RowError
from surveys.invitations import SuppressionReason

#: Where imported opt-outs say they came from.
SOURCE = "import"
BATCH_SIZE = 1000


@dataclass
class DelightedSummary:
    """What an import stored, by section, and the places of the rows already stored."""

    imported: dict[Section, int] = field(default_factory=lambda: dict.fromkeys(Section, 0))
    already: list[str] = field(default_factory=list)


def _linked(delighted_id: str | None) -> Customer | None:
    if delighted_id is None:
        return None
    return db.session.scalar(
        sa.select(Customer)
        .join(DelightedPerson, DelightedPerson.customer_id == Customer.id)
        .where(DelightedPerson.delighted_id == delighted_id)
    )


def _person(who: Who, now: datetime, created_at: datetime | None = None) -> tuple[Customer, bool]:
    """The customer ``who`` names, found or added; and whether this import added them or
    gave them their Delighted id (else they were imported before).

    :raises RowError: a Delighted id never imported, and no email to add them by.
    """
    customer = _linked(who.delighted_id)
    if customer is not None:
        return customer, False
    if who.email is None:
        raise RowError(
            f"person_id: {who.delighted_id} is not a person imported; import the people "
            "first, or give the email",
            "person_id",
        )
    customer = db.session.scalar(sa.select(Customer).where(Customer.email == who.email))
    linked = customer is None
    if customer is None:
        customer = upsert_customer(CustomerInput(email=who.email, name=who.name), now)
        customer.created_at = created_at or now
    elif who.name and not customer.name:
        customer.name = who.name
    if who.delighted_id is not None and db.session.get(DelightedPerson, customer.id) is None:
        db.session.add(DelightedPerson(customer_id=customer.id, delighted_id=who.delighted_id))
        linked = True
    db.session.flush()
    return customer, linked


def _add_properties(customer: Customer, properties: dict[str, Any], now: datetime) -> None:
    """Give the customer the properties they do not have yet: what is here is newer than
    any export."""
    missing = {key: value for key, value in properties.items() if key not in customer.properties}
    if missing:
        upsert_customer(CustomerInput(email=customer.email, properties=missing), now)


def import_people(
    rows: Iterable[PersonRow],
    now: datetime,
    summary: DelightedSummary,
    rejected: list[tuple[str, RowError]],
) -> None:
    """Find, link or add each person, giving them the properties they lack; commits.

    :param rejected: where a row naming nobody it can find or add goes, with why.
    """
    for row in rows:
        try:
            customer, linked = _person(row.who, now, row.created_at)
        except RowError as error:
            rejected.append((row.place, error))
            continue
        if not linked:
            summary.already.append(row.place)
            continue
        _add_properties(customer, row.properties, now)
        summary.imported[Section.PEOPLE] += 1
    db.session.commit()


def import_opt_outs(
    section: Section,
    rows: Iterable[OptOutRow],
    now: datetime,
    summary: DelightedSummary,
    rejected: list[tuple[str, RowError]],
) -> None:
    """Record each unsubscribe (from every survey) or bounce at its time, and suppress the
    invitations already scheduled for the person, as their own opt-out would; commits.

    An opt-out already in force, or imported before and since reversed by an admin, and a
    bounce already recorded, are left as they are. ``rejected`` as ``import_people``'s.
    """
    for row in rows:
        try:
            customer, _ = _person(row.who, now)
        except RowError as error:
            rejected.append((row.place, error))
            continue
        if section is Section.BOUNCES:
            fresh = customer.bounced_at is None
            if fresh:
                customer.bounced_at = row.at
                suppress_scheduled(customer, SuppressionReason.BOUNCED)
        else:
            fresh = not db.session.scalar(
                sa.select(
                    sa.exists().where(
                        Unsubscribe.customer_id == customer.id,
                        Unsubscribe.kind.is_(None),
                        sa.or_(
                            Unsubscribe.revoked_at.is_(None),
                            sa.and_(Unsubscribe.source == SOURCE, Unsubscribe.created_at == row.at),
                        ),
                    )
                )
            )
            if fresh:
                db.session.add(
                    Unsubscribe(customer=customer, kind=None, source=SOURCE, created_at=row.at)
                )
                suppress_scheduled(customer, SuppressionReason.UNSUBSCRIBED)
        if fresh:
            summary.imported[section] += 1
        else:
            summary.already.append(row.place)
        db.session.flush()
    db.session.commit()


def import_responses(
    rows: Iterable[ResponseRow],
    now: datetime,
    summary: DelightedSummary,
    rejected: list[tuple[str, RowError]],
) -> None:
    """Store each response not stored yet, with its notes and tags, counted in the rollups;
    its person given the properties it names that they lack. Commits after each batch.

    ``rejected`` as ``import_people``'s.
    """
    for batch in batches(rows, BATCH_SIZE):
        stored = set(
            db.session.scalars(
                sa.select(DelightedResponse.delighted_id).where(
                    DelightedResponse.delighted_id.in_([row.delighted_id for row in batch])
                )
            )
        )
        fresh: list[tuple[ResponseRow, Customer]] = []
        for row in batch:
            if row.delighted_id in stored:
                summary.already.append(row.place)
                continue
            try:
                customer, _ = _person(row.who, now)
            except RowError as error:
                rejected.append((row.place, error))
                continue
            stored.add(row.delighted_id)
            _add_properties(customer, row.properties, now)
            fresh.append((row, customer))
        _insert(fresh, now)
        db.session.commit()
        summary.imported[Section.SURVEY_RESPONSES] += len(fresh)


def _insert(fresh: list[tuple[ResponseRow, Customer]], now: datetime) -> None:
    if not fresh:
        return
    surveys = {row.kind: survey_for_kind(row.kind, now) for row, _ in fresh}
    insert_counted(
        [
            {
                "survey_id": surveys[row.kind].id,
                "kind": row.kind,
                "score": row.score,
                "counted_score": row.score,
                "bucket": classify(row.kind, row.score, surveys[row.kind].thresholds),
                "comment": row.comment,
                "channel": None,
                "customer_id": customer.id,
                "agent_id": None,
                "team_id": None,
                "source": ResponseSource.IMPORT.value,
                "source_id": f"delighted:{row.delighted_id}",
                "created_at": row.created_at,
                "updated_at": row.updated_at,
            }
            for row, customer in fresh
        ]
    )
    ids = dict(
        db.session.execute(
            sa.select(Response.source_id, Response.id).where(
                Response.source_id.in_([f"delighted:{row.delighted_id}" for row, _ in fresh])
            )
        ).all()
    )
    db.session.add_all(
        DelightedResponse(
            response_id=ids[f"delighted:{row.delighted_id}"],
            delighted_id=row.delighted_id,
            notes=list(row.notes),
            tags=list(row.tags),
        )
        for row, _ in fresh
    )
