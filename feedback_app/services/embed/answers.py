"""Answers to embedded surveys: each form token carries one answer, and a signed customer
gives a survey one answer per fatigue window.

A signed identity can be copied from the host's page and replayed until it expires, each
time with a fresh widget and token; what stops it adding answers is that the customer's
latest answer to the survey is found, under a lock on the customer, before a new one is
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from feedback_app.extensions import db
from feedback_app.models import Customer, Response, SpentEmbedToken, Survey
from feedback_app.questions.service import record_answers
from feedback_app.services.claims import take_write_lock
from feedback_app.services.responses import record_response
from surveys.answers import ResponseSource
from surveys.fatigue import answered_recently
from surveys.identity import Identity
from surveys.questions import Answer, QuestionSpec


class FormTokenSpent(Exception):
    """The widget's form token already carried an answer."""


class AlreadyAnswered(Exception):
    """The signed customer answered this survey within its fatigue window."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"response {response.id} was given within the fatigue window")
        self.response = response


def find_customer(identity: Identity) -> Customer | None:
    """The known customer a signed embed identity names, if any."""
    if identity.email is not None:
        return db.session.scalar(sa.select(Customer).where(Customer.email == identity.email))
    return db.session.scalar(
        sa.select(Customer)
        .where(Customer.external_id == identity.external_id)
        .order_by(Customer.id)
        .limit(1)
    )


def answer_embed(
    survey: Survey,
    score: object,
    comment: str | None,
    now: datetime,
    *,
    token_id: str,
    token_expires_at: datetime,
    identity: Identity | None,
    editing: Response | None,
    locale: str,
) -> Response:
    """Spend the form token and store the answer, or edit the one the token names; commits.

    :param identity: the signed customer, or None for an anonymous answer. An unknown email
        becomes a new customer.
    :param editing: the response the form token lets this post change.
    :raises FormTokenSpent: the token was spent before (nothing is written).
    :raises AlreadyAnswered: a new answer from a customer who answered within the survey's
        fatigue window (nothing is written).
    :raises InvalidScore, InvalidComment, EditWindowClosed: as ``record_response``.
    """
    _spend(token_id, token_expires_at)
    customer = None
    if identity is not None and editing is None:
        customer = _locked_customer(identity, now)
        previous = None if customer is None else _latest_answer(survey, customer)
        if previous and answered_recently(previous.created_at, survey.fatigue_days, now):
            db.session.rollback()
            raise AlreadyAnswered(previous)
    return record_response(
        survey,
        score,
        comment,
        now,
        source=ResponseSource.EMBED,
        customer=customer,
        response=editing,
        locale=locale,
    )


def answer_embed_questions(
    response: Response,
    asked: Sequence[QuestionSpec],
    answers: Sequence[Answer],
    now: datetime,
    *,
    token_id: str,
    token_expires_at: datetime,
) -> None:
    """Spend the form token and store the answers to the additional questions; commits.

    :raises FormTokenSpent: the token was spent before (nothing is written).
    :raises EditWindowClosed: as ``record_answers``.
    """
    _spend(token_id, token_expires_at)
    record_answers(response, asked, answers, now)


def _spend(token_id: str, expires_at: datetime) -> None:
    """Keep the form token's id, so it carries no second post; raises if it already did."""
    take_write_lock()
    db.session.add(SpentEmbedToken(token_id=token_id, expires_at=expires_at))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise FormTokenSpent(token_id) from None


def _locked_customer(identity: Identity, now: datetime) -> Customer | None:
    """The customer ``identity`` names, locked for this transaction; an unknown email is
    added. Two first answers from one new customer at once: the second waits for the first's
    row, then finds it (and its answer)."""
    customer = find_customer(identity)
    if customer is None and identity.email is not None:
        try:
            with db.session.begin_nested():
                customer = Customer(email=identity.email, created_at=now, updated_at=now)
                db.session.add(customer)
        except IntegrityError:
            customer = find_customer(identity)
    if customer is not None:
        db.session.refresh(customer, with_for_update=True)
    return customer


def _latest_answer(survey: Survey, customer: Customer) -> Response | None:
    return db.session.scalar(
        sa.select(Response)
        .where(Response.survey_id == survey.id, Response.customer_id == customer.id)
        .order_by(Response.created_at.desc(), Response.id.desc())
        .limit(1)
    )
