"""Forgotten addresses: never invited again, yet not kept in the clear.

Forgetting a customer deletes their unsubscribes and bounce with everything else, and the
helpdesk may well send their next ticket; inviting them then would be the very thing they
asked us to stop. So each forgotten address leaves a keyed hash behind, and the opt-out
check (``services.suppression.opt_outs``) treats a customer with such an address as
unsubscribed from every survey. The key is derived from ``SECRET_KEY``, so the table alone
cannot be reversed by hashing likely addresses; changing the secret key lifts the blocks.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import Customer
from feedback_app.privacy.models import ForgottenAddress
from surveys.kinds import SurveyKind

#: What the hash key is derived for, so it is never the key of anything else.
PURPOSE = b"feedback forgotten addresses v1"


def address_hash(email: str) -> str:
    """The keyed hash of a lower-cased address."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


#: Whether an address was forgotten before, as an expression over its hash (the
#: ``forgotten_hash`` parameter, ``was_forgotten_parameters``), built once: read with the
#: statement that adds its customer (``ingest.people.upserted_customer``), it costs no query.
WAS_FORGOTTEN = sa.exists().where(ForgottenAddress.address_hash == sa.bindparam("forgotten_hash"))


def was_forgotten_parameters(email: str) -> dict[str, str]:
    """``WAS_FORGOTTEN``'s parameter for ``email``."""
    return {"forgotten_hash": address_hash(email)}


def remember_forgotten(email: str, now: datetime) -> None:
    """Keep the hash of ``email`` (once); flushes only."""
    digest = address_hash(email)
    if db.session.get(ForgottenAddress, digest) is None:
        db.session.add(ForgottenAddress(address_hash=digest, forgotten_at=now))
        db.session.flush()


def forgotten_customers(customer_ids: Iterable[int]) -> set[int]:
    """The customers among ``customer_ids`` whose address was forgotten before."""
    ids = list(customer_ids)
    if not ids or not db.session.scalar(sa.select(sa.exists().select_from(ForgottenAddress))):
        return set()
    by_hash = {
        address_hash(email): customer_id
        for customer_id, email in db.session.execute(
            sa.select(Customer.id, Customer.email).where(Customer.id.in_(ids))
        )
    }
    found = db.session.scalars(
        sa.select(ForgottenAddress.address_hash).where(ForgottenAddress.address_hash.in_(by_hash))
    )
    return {by_hash[digest] for digest in found}


def block_forgotten(
    opted_out: dict[int, set[SurveyKind | None]],
) -> dict[int, set[SurveyKind | None]]:
    """``opted_out`` (customer id to opt-outs) with forgotten addresses out of every survey."""
    for customer_id in forgotten_customers(opted_out):
        opted_out[customer_id].add(None)
    return opted_out
