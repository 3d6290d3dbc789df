"""What the Delighted API answers: people and survey responses in Delighted's own fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app
from typing_extensions import TypedDict

from feedback_app.delighted.notes_and_tags import Note
from feedback_app.delighted.people_service import PersonFacts, person_facts
from feedback_app.delighted.responses_service import notes_of, tags_of
from feedback_app.delighted.values import blank_is_none, unix
from feedback_app.models import Customer, Response


class PersonOut(TypedDict):
    id: str
    email: str
    name: str | None
    created_at: int
    #: Always null: surveys go by email only.
    phone_number: str | None
    last_sent_at: int | None
    last_responded_at: int | None
    next_survey_scheduled_at: int | None


class NoteOut(TypedDict):
    id: str
    text: str
    user_email: str
    created_at: int


class SurveyResponseOut(TypedDict):
    id: str
    #: The person's id, their whole record with ``expand[]=person``, or null for an
    #: anonymous answer.
    person: str | PersonOut | None
    #: nps, csat or ces.
    survey_type: str
    score: int
    comment: str | None
    #: Where staff see the answer.
    permalink: str
    created_at: int
    updated_at: int | None
    person_properties: dict[str, Any] | None
    #: The internal notes of its follow-up case, with ``expand[]=notes``; else empty.
    notes: list[NoteOut]
    #: Its review's tags.
    tags: list[str]
    #: Always empty: our surveys ask one scale and one open question.
    additional_answers: list[dict[str, Any]]


def person_payload(customer: Customer, facts: PersonFacts) -> PersonOut:
    return {
        "id": str(customer.id),
        "email": customer.email,
        "name": blank_is_none(customer.name),
        "created_at": unix(customer.created_at),
        "phone_number": None,
        "last_sent_at": unix(facts.last_sent_at),
        "last_responded_at": unix(facts.last_responded_at),
        "next_survey_scheduled_at": unix(facts.next_survey_scheduled_at),
    }


def people_payloads(customers: Sequence[Customer]) -> list[PersonOut]:
    facts = person_facts(customers)
    return [person_payload(customer, facts[customer.id]) for customer in customers]


def permalink(response: Response) -> str:
    """The interaction's review page, else the dashboard's answers of its kind that day."""
    base = current_app.config["BASE_URL"].rstrip("/")
    if response.interaction_id is not None:
        return f"{base}/review/interactions/{response.interaction_id}"
    day = response.created_at.date().isoformat()
    return f"{base}/dashboard/responses?kind={response.kind}&since={day}&until={day}"


def _note(note: Note) -> NoteOut:
    return {
        "id": note.id,
        "text": note.text,
        "user_email": note.user_email,
        "created_at": unix(note.created_at),
    }


def responses_payloads(
    responses: Sequence[Response], *, expand_person: bool = False, expand_notes: bool = False
) -> list[SurveyResponseOut]:
    """The responses as Delighted wrote them, their people and notes expanded if asked, in
    a few queries for the whole page."""
    customers = {r.customer.id: r.customer for r in responses if r.customer is not None}
    people = (
        {p["id"]: p for p in people_payloads(list(customers.values()))} if expand_person else {}
    )
    tags = tags_of(responses)
    notes = notes_of(responses) if expand_notes else {}
    answers: list[SurveyResponseOut] = []
    for response in responses:
        person_id = None if response.customer_id is None else str(response.customer_id)
        answers.append(
            {
                "id": str(response.id),
                "person": people.get(person_id, person_id) if person_id else None,
                "survey_type": str(response.kind),
                "score": response.score,
                "comment": blank_is_none(response.comment),
                "permalink": permalink(response),
                "created_at": unix(response.created_at),
                "updated_at": unix(response.updated_at),
                "person_properties": response.customer.properties if response.customer else None,
                "notes": [_note(note) for note in notes.get(response.id, [])],
                "tags": tags[response.id],
                "additional_answers": [],
            }
        )
    return answers
