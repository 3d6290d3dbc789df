"""A customer's data as one JSON document: what they could ask to see.

The document (``FORMAT``, ``VERSION``) is stable: keys are only ever added, lists are in id
order, times are ISO 8601 UTC with a ``Z``. The README describes every part. Secrets and
link tokens are left out (an email's text carries the customer's survey link, so emails are
listed by subject), and so are other people's data beyond the staff member who acted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from feedback_app.audit.service import record
from feedback_app.comment_review.service import reviews_of
from feedback_app.delighted.notes_and_tags import FromDelighted, from_delighted
from feedback_app.extensions import db
from feedback_app.models import (
    CommentReview,
    ConnectorDelivery,
    Customer,
    DelightedPerson,
    EventKind,
    FollowUpCase,
    Interaction,
    Invitation,
    OutboxChannel,
    OutboxMessage,
    Response,
    Unsubscribe,
)
from feedback_app.privacy.people import rows_of
from feedback_app.questions.service import answers_by_response, survey_specs
from surveys.questions import Answer, QuestionSpec

FORMAT = "feedback.person-export"
VERSION = 1


def export_person(customer: Customer, now: datetime) -> dict[str, Any]:
    """Everything stored about ``customer``, and the export logged; commits the log entry."""
    rows = rows_of(customer)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(now),
        "customer": _customer(customer),
        "interactions": [_interaction(i) for i in _load(Interaction, rows.interactions)],
        "invitations": [_invitation(i) for i in _load(Invitation, rows.invitations)],
        "responses": _responses(_load(Response, rows.responses)),
        "cases": [
            _case(c) for c in _load(FollowUpCase, rows.cases, selectinload(FollowUpCase.events))
        ],
        "emails": [_email(m) for m in _load(OutboxMessage, rows.emails)],
        "webhook_deliveries": [
            _delivery(m)
            for m in _load(OutboxMessage, rows.mentions)
            if m.channel is OutboxChannel.WEBHOOK
        ],
        "unsubscribes": [_unsubscribe(u) for u in _load(Unsubscribe, rows.unsubscribes)],
        "helpdesk_deliveries": [
            _helpdesk_delivery(d) for d in _load(ConnectorDelivery, rows.helpdesk_deliveries)
        ],
    }
    record("person.exported", f"customer:{customer.id}", commit=True)
    return document


def export_text(document: dict[str, Any]) -> str:
    """The document as the command prints it and the People page downloads it."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _load(model: Any, ids: list[int], *options: Any) -> Sequence[Any]:
    return db.session.scalars(
        sa.select(model).where(model.id.in_(ids)).options(*options).order_by(model.id)
    ).all()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _customer(customer: Customer) -> dict[str, Any]:
    """Every column of the customer's row: all of it is theirs; and their Delighted id when
    they were imported from Delighted."""
    document = {}
    for column in Customer.__table__.columns:
        value = getattr(customer, column.key)
        document[column.key] = _iso(value) if isinstance(value, datetime) else value
    document["delighted_id"] = db.session.scalar(
        sa.select(DelightedPerson.delighted_id).where(DelightedPerson.customer_id == customer.id)
    )
    return document


def _interaction(interaction: Interaction) -> dict[str, Any]:
    return {
        "id": interaction.id,
        "external_id": interaction.external_id,
        "channel": interaction.channel,
        "agent": interaction.agent.email if interaction.agent else None,
        "team": interaction.team.name if interaction.team else None,
        "opened_at": _iso(interaction.opened_at),
        "first_response_at": _iso(interaction.first_response_at),
        "resolved_at": _iso(interaction.resolved_at),
        "topic": interaction.topic,
        "answered": interaction.answered,
        "first_response_seconds": interaction.first_response_seconds,
        "handle_seconds": interaction.handle_seconds,
        "talk_seconds": interaction.talk_seconds,
        "hold_seconds": interaction.hold_seconds,
        "after_work_seconds": interaction.after_work_seconds,
        "first_contact_resolved": interaction.first_contact_resolved,
        "created_at": _iso(interaction.created_at),
        "updated_at": _iso(interaction.updated_at),
    }


def _invitation(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.id,
        "survey_id": invitation.survey_id,
        "survey": invitation.survey.name,
        "kind": invitation.survey.kind.value,
        "interaction_id": invitation.interaction_id,
        "status": invitation.status.value,
        "suppression_reason": (
            invitation.suppression_reason.value if invitation.suppression_reason else None
        ),
        "scheduled_for": _iso(invitation.scheduled_for),
        "expires_at": _iso(invitation.expires_at),
        "sent_at": _iso(invitation.sent_at),
        "opened_at": _iso(invitation.opened_at),
        "responded_at": _iso(invitation.responded_at),
        "reminded_at": _iso(invitation.reminded_at),
        "expired_at": _iso(invitation.expired_at),
        "created_at": _iso(invitation.created_at),
    }


def _responses(responses: Sequence[Response]) -> list[dict[str, Any]]:
    ids = [response.id for response in responses]
    answers = answers_by_response(ids)
    delighted = from_delighted(ids)
    reviews = reviews_of(list(responses))
    questions = {
        spec.id: spec
        for survey_id in {response.survey_id for response in responses}
        for spec in survey_specs(survey_id)
    }
    return [
        _response(
            response,
            [
                _answer(answer, questions[answer.question_id])
                for answer in answers.get(response.id, [])
            ],
            delighted.get(response.id),
            reviews.get(response.id),
        )
        for response in responses
    ]


def _answer(answer: Answer, question: QuestionSpec) -> dict[str, Any]:
    """An answer to an additional question, with the question's and choices' texts (in every
    language the survey has them) so that the customer can read it without the survey."""
    choices = {choice.id: choice for choice in question.choices}
    return {
        "question": question.id,
        "question_text": dict(question.texts),
        "choices": [
            {"id": choice_id, "text": dict(choices[choice_id].texts)}
            for choice_id in answer.choice_ids
        ],
        "text": answer.text,
        "rating": answer.rating,
    }


def _from_delighted(kept: FromDelighted) -> dict[str, Any]:
    return {
        "id": kept.delighted_id,
        "tags": list(kept.tags),
        "notes": [
            {"text": note.text, "author": note.user_email or None, "at": _iso(note.created_at)}
            for note in kept.notes
        ],
    }


def _response(
    response: Response,
    answers: list[dict[str, Any]],
    delighted: FromDelighted | None,
    review: CommentReview | None,
) -> dict[str, Any]:
    return {
        "id": response.id,
        "survey_id": response.survey_id,
        "survey": response.survey.name,
        "kind": response.kind.value,
        "score": response.score,
        "bucket": response.bucket.value,
        "comment": response.comment,
        "invitation_id": response.invitation_id,
        "interaction_id": response.interaction_id,
        "channel": response.channel,
        "agent": response.agent.email if response.agent else None,
        "team": response.team.name if response.team else None,
        "source": response.source,
        "locale": response.locale,
        "review": (
            None
            if review is None
            else {
                "acknowledged_at": _iso(review.acknowledged_at),
                "tags": review.tag_names,
            }
        ),
        "created_at": _iso(response.created_at),
        "updated_at": _iso(response.updated_at),
        "answers": answers,
        "delighted": None if delighted is None else _from_delighted(delighted),
    }


def _case(case: FollowUpCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "response_id": case.response_id,
        "survey_id": case.survey_id,
        "kind": case.kind.value,
        "status": case.status.value,
        "priority": case.priority.value,
        "outcome": case.outcome.value if case.outcome else None,
        "score": case.score,
        "opening_score": case.opening_score,
        "owner": case.owner.email if case.owner else None,
        "opened_at": _iso(case.opened_at),
        "due_at": _iso(case.due_at),
        "first_contact_at": _iso(case.first_contact_at),
        "closed_at": _iso(case.closed_at),
        "resurvey_sent_at": _iso(case.resurvey_sent_at),
        "recovered": case.recovered,
        "recovered_at": _iso(case.recovered_at),
        "timeline": [
            {
                "at": _iso(event.at),
                "actor": event.actor,
                "kind": event.kind.value,
                "data": event.data,
                "body": event.body,
            }
            for event in case.events
        ],
        "replies": [
            {
                "at": _iso(event.at),
                "author": event.actor,
                "subject": event.data.get("subject", ""),
                "body": event.body,
            }
            for event in case.events
            if event.kind is EventKind.MESSAGE
        ],
    }


def _email(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "purpose": message.purpose,
        "to": message.recipient,
        "subject": message.subject,
        "status": message.status.value,
        "created_at": _iso(message.created_at),
        "sent_at": _iso(message.sent_at),
    }


def _delivery(message: OutboxMessage) -> dict[str, Any]:
    """A webhook that carried their data: the event and the receiving host (the rest of a
    URL may be the receiver's secret)."""
    return {
        "id": message.id,
        "event": message.purpose,
        "host": urlsplit(message.recipient).hostname,
        "status": message.status.value,
        "created_at": _iso(message.created_at),
        "sent_at": _iso(message.sent_at),
    }


def _unsubscribe(record_: Unsubscribe) -> dict[str, Any]:
    return {
        "id": record_.id,
        "kind": record_.kind.value if record_.kind else "all",
        "source": record_.source,
        "reason": record_.reason,
        "created_at": _iso(record_.created_at),
        "revoked_at": _iso(record_.revoked_at),
        "revoked_reason": record_.revoked_reason,
    }


def _helpdesk_delivery(delivery: ConnectorDelivery) -> dict[str, Any]:
    """A helpdesk's webhook about them, with the body it sent while it is kept."""
    return {
        "id": delivery.id,
        "received_at": _iso(delivery.received_at),
        "outcome": delivery.outcome.value,
        "ticket_id": delivery.ticket_id,
        "body": delivery.body.decode("utf-8", errors="replace") if delivery.body else None,
    }
