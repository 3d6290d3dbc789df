"""Opt-outs and bounces over the API: ``/api/v1/unsubscribes`` and ``/api/v1/bounces``."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from flask import Blueprint
from typing_extensions import TypedDict

from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import ApiScope, Customer, Unsubscribe
from feedback_app.services.suppression import customer_for_email, record_bounce, unsubscribe
from feedback_app.web.api.answers import MaybeTime, Page, Time, iso
from feedback_app.web.api.operations import operation
from feedback_app.web.api.paging import PageQuery, paginated
from feedback_app.web.inputs import Choice, Email, Flag, Input
from surveys.kinds import SurveyKind

bp = Blueprint("suppressions", __name__)

#: ``kind`` values: a survey kind, or every survey.
SCOPES = (*map(str, SurveyKind), "all")


class UnsubscribeIn(Input):
    email: Annotated[str, Email()]
    kind: Annotated[str, Choice(SCOPES)] = "all"


class UnsubscribeQuery(PageQuery):
    active: Annotated[bool | None, Flag()] = None
    email: Annotated[str | None, Email()] = None


class BounceIn(Input):
    email: Annotated[str, Email()]


class UnsubscribeOut(TypedDict):
    id: int
    email: str
    #: A survey kind, or ``all``.
    kind: str
    source: str
    created_at: Time
    revoked_at: MaybeTime


class BounceAnswer(TypedDict):
    email: str
    bounced_at: MaybeTime
    #: How many scheduled invitations the bounce suppressed.
    suppressed_invitations: int


def unsubscribe_payload(record: Unsubscribe) -> UnsubscribeOut:
    return {
        "id": record.id,
        "email": record.customer.email,
        "kind": record.kind.value if record.kind else "all",
        "source": record.source,
        "created_at": iso(record.created_at),
        "revoked_at": iso(record.revoked_at),
    }


@operation(
    bp,
    "POST",
    "/unsubscribes",
    scope=ApiScope.INGEST,
    body=UnsubscribeIn,
    answers={201: UnsubscribeOut, 200: UnsubscribeOut},
)
def create_unsubscribe(body: UnsubscribeIn) -> tuple[UnsubscribeOut, int]:
    """Opt a customer out of one survey kind or of all.

    Asking again answers 200 with the same record.
    """
    now = utcnow()
    kind = None if body.kind == "all" else SurveyKind(body.kind)
    record, created = unsubscribe(customer_for_email(body.email, now), kind, "api", now)
    db.session.commit()
    return unsubscribe_payload(record), 201 if created else 200


@operation(
    bp,
    "GET",
    "/unsubscribes",
    scope=ApiScope.READ,
    query=UnsubscribeQuery,
    answers={200: Page[UnsubscribeOut]},
)
def list_unsubscribes(query: UnsubscribeQuery) -> Page[UnsubscribeOut]:
    """Opt-outs, newest first; ``active=true`` leaves out those an admin reversed."""
    rows = sa.select(Unsubscribe).order_by(Unsubscribe.id.desc())
    if query.active is not None:
        revoked = Unsubscribe.revoked_at.is_(None)
        rows = rows.where(revoked if query.active else sa.not_(revoked))
    if query.email is not None:
        rows = rows.join(Customer).where(Customer.email == query.email)
    return paginated(rows, unsubscribe_payload, query)


@operation(
    bp, "POST", "/bounces", scope=ApiScope.INGEST, body=BounceIn, answers={201: BounceAnswer}
)
def create_bounce(body: BounceIn) -> tuple[BounceAnswer, int]:
    """Record a hard bounce: the address gets no more invitations."""
    customer, suppressed = record_bounce(body.email, utcnow())
    db.session.commit()
    answer: BounceAnswer = {
        "email": customer.email,
        "bounced_at": iso(customer.bounced_at),
        "suppressed_invitations": suppressed,
    }
    return answer, 201
