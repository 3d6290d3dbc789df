"""Admins add, edit, reorder and delete a survey's additional questions, and preview them."""

from __future__ import annotations

import html
from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Survey
from feedback_app.questions.models import QuestionChoice, ResponseAnswer, SurveyQuestion
from feedback_app.services.surveys import survey_for_kind
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock, csrf_from
from tests.questions.asked import Asked
from tests.questions.test_survey_page_questions import score, send


def questions(survey: Survey) -> list[tuple[str, str, dict[str, str], bool, list[str]]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(SurveyQuestion)
        .where(SurveyQuestion.survey_id == survey.id)
        .order_by(SurveyQuestion.position)
    )
    return [(q.type.value, q.texts["en"], q.texts, q.required, q.shown_to) for q in rows]


def choices(question_id: int) -> list[tuple[int, dict[str, str], bool]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(QuestionChoice)
        .where(QuestionChoice.question_id == question_id)
        .order_by(QuestionChoice.position)
    )
    return [(c.id, c.texts, c.retired) for c in rows]


def test_an_admin_adds_a_reason_list_for_unhappy_customers(
    client: FlaskClient, login: Callable[..., object], clock: FrozenClock
) -> None:
    login("admin")
    survey = survey_for_kind(SurveyKind.NPS, clock.now)
    db.session.commit()
    base = f"/admin/surveys/{survey.id}/questions/"
    page = client.get(base)
    assert page.status_code == 200
    assert "frame-src 'self'" in page.headers["Content-Security-Policy"]

    reply = client.post(
        base,
        data={
            "csrf_token": csrf_from(page.text),
            "type": "one_choice",
            "text": "What was the main reason?",
            "other_texts": "fr=Quelle était la raison principale ?",
            "required": "y",
            "shown_to": ["detractor", "passive"],
            "choices": "Too slow | fr=Trop lent\nNot solved",
        },
    )

    assert (reply.status_code, reply.location) == (302, base)
    assert questions(survey) == [
        (
            "one_choice",
            "What was the main reason?",
            {"en": "What was the main reason?", "fr": "Quelle était la raison principale ?"},
            True,
            ["detractor", "passive"],
        )
    ]
    listing = client.get(base).text
    assert "What was the main reason?" in listing
    action = db.session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()))
    assert action == "survey.question_changed"


def test_a_bad_question_is_refused_naming_each_field(
    client: FlaskClient, login: Callable[..., object], clock: FrozenClock
) -> None:
    login("admin")
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    db.session.commit()
    base = f"/admin/surveys/{survey.id}/questions/"
    page = client.get(base)
    data = {"csrf_token": csrf_from(page.text), "type": "one_choice", "text": "Why?"}

    one_choice = client.post(base, data={**data, "choices": "Only one"})
    blank = client.post(base, data={**data, "text": " ", "choices": "A\nB"})
    bucket = client.post(base, data={**data, "choices": "A\nB", "shown_to": "detractor"})

    assert one_choice.status_code == blank.status_code == bucket.status_code == 422
    assert "give from 2 to 30 choices" in one_choice.text
    assert "must not be empty in en" in blank.text
    assert "'detractor' is not a valid choice for this field." in html.unescape(bucket.text)
    assert questions(survey) == []


def test_renaming_a_choice_keeps_its_id_and_its_answers(
    client: FlaskClient, login: Callable[..., object], asked: Asked, make_invitation
) -> None:
    login("admin")
    slow = asked.choice(asked.reason, "Too slow")
    unsolved = asked.choice(asked.reason, "Not solved")
    _, token = make_invitation("csat")

    score(client, token, 1)
    send(client, token, {f"question-{asked.reason.id}": slow})
    address = f"/admin/surveys/{asked.survey.id}/questions/{asked.reason.id}"
    page = client.get(address)
    assert f"{slow} | Too slow | fr=Trop lent" in page.text

    reply = client.post(
        address,
        data={
            "csrf_token": csrf_from(page.text),
            "type": "one_choice",
            "text": "What was the main reason?",
            "required": "y",
            "shown_to": "unsatisfied",
            "choices": f"{slow} | Waited too long | fr=Trop d'attente\nPrice",
        },
    )

    assert reply.status_code == 302
    [(kept, kept_texts, kept_retired), (new, new_texts, _), (old, _, old_retired)] = choices(
        asked.reason.id
    )
    assert (kept, kept_texts, kept_retired) == (
        slow,
        {"en": "Waited too long", "fr": "Trop d'attente"},
        False,
    )
    assert new_texts == {"en": "Price"} and new not in (slow, unsolved)
    assert (old, old_retired) == (unsolved, True)
    # The answer given before the rename still points at the same choice.
    assert db.session.scalars(sa.select(ResponseAnswer.choice_id)).all() == [slow]


def test_questions_are_reordered_and_deleted_with_their_answers(
    client: FlaskClient, login: Callable[..., object], asked: Asked
) -> None:
    login("admin")
    base = f"/admin/surveys/{asked.survey.id}/questions/"
    csrf = csrf_from(client.get(base).text)

    client.post(f"{base}{asked.stars.id}/move", data={"csrf_token": csrf, "direction": "up"})
    assert [q[1] for q in questions(asked.survey)] == [
        "What was the main reason?",
        "What was it about?",
        "Rate our website",
        "One word for us?",
    ]
    client.post(f"{base}{asked.reason.id}/delete", data={"csrf_token": csrf})
    assert [q[1] for q in questions(asked.survey)] == [
        "What was it about?",
        "Rate our website",
        "One word for us?",
    ]


def test_the_preview_shows_a_bucket_its_questions_in_a_phone_frame(
    client: FlaskClient, login: Callable[..., object], asked: Asked
) -> None:
    login("admin")
    base = f"/admin/surveys/{asked.survey.id}/questions/"
    page = client.get(f"{base}?bucket=satisfied")
    assert 'width="390" height="700"' in page.text
    assert f'src="{base}preview?bucket=satisfied"' in page.text

    happy = client.get(f"{base}preview?bucket=satisfied")
    unhappy = client.get(f"{base}preview?bucket=unsatisfied&language=fr")

    assert happy.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    assert "What was the main reason?" not in happy.text
    assert "Rate our website" in happy.text
    assert "Quelle était la raison principale ?" in unhappy.text


def test_agents_and_managers_cannot_edit_questions(
    client: FlaskClient, login: Callable[..., object], asked: Asked
) -> None:
    login("manager")
    assert client.get(f"/admin/surveys/{asked.survey.id}/questions/").status_code == 403
