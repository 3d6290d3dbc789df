"""GET /api/v1/surveys, GET and PUT /api/v1/surveys/<id>: a survey's texts per language and
its additional questions, read and changed with an admin key through the admin pages' rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.audit.models import AuditEvent
from feedback_app.extensions import db
from feedback_app.models import Invitation, Survey
from feedback_app.questions.editing import add_question
from feedback_app.questions.models import QuestionChoice, SurveyQuestion
from feedback_app.services.survey_settings import add_survey
from surveys.kinds import SurveyKind
from surveys.questions import QuestionDraft, QuestionType
from tests.helpers import FrozenClock
from tests.questions.asked import Asked
from tests.questions.test_answer_outputs import answered
from tests.questions.test_survey_page_questions import legends, score

MakeInvitation = Callable[..., tuple[Invitation, str]]
CSAT_QUESTION = "How satisfied were you with the support you received from {company}?"


@pytest.fixture
def admin(make_api_key: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_api_key('admin', name='admin')}"}


def url(survey: Survey | int) -> str:
    return f"/api/v1/surveys/{survey if isinstance(survey, int) else survey.id}"


def asked_json(asked: Asked) -> dict[str, Any]:
    slow, unsolved = (asked.choice(asked.reason, t) for t in ("Too slow", "Not solved"))
    billing, delivery, returns = (
        asked.choice(asked.topics, t) for t in ("Billing", "Delivery", "Returns")
    )
    return {
        "id": asked.survey.id,
        "name": "Support satisfaction (CSAT)",
        "kind": "csat",
        "default_language": "en",
        "languages": ["en", "fr"],
        "texts": {
            "question": {"en": CSAT_QUESTION},
            "followup_question": {"en": "What is the main reason for your score?"},
            "low_label": {},
            "high_label": {},
            "email_subject": {},
            "email_greeting": {},
            "email_button_line": {},
            "thanks": {},
        },
        "questions": [
            {
                "id": asked.reason.id,
                "type": "one_choice",
                "shown_to": ["unsatisfied"],
                "required": True,
                "text": {
                    "en": "What was the main reason?",
                    "fr": "Quelle était la raison principale ?",
                },
                "choices": [
                    {"id": slow, "text": {"en": "Too slow", "fr": "Trop lent"}},
                    {"id": unsolved, "text": {"en": "Not solved", "fr": "Pas résolu"}},
                ],
            },
            {
                "id": asked.topics.id,
                "type": "many_choices",
                "shown_to": [],
                "required": False,
                "text": {"en": "What was it about?", "fr": "De quoi s'agissait-il ?"},
                "choices": [
                    {"id": billing, "text": {"en": "Billing"}},
                    {"id": delivery, "text": {"en": "Delivery"}},
                    {"id": returns, "text": {"en": "Returns"}},
                ],
            },
            {
                "id": asked.word.id,
                "type": "text",
                "shown_to": [],
                "required": False,
                "text": {"en": "One word for us?", "fr": "Un mot pour nous ?"},
                "choices": [],
            },
            {
                "id": asked.stars.id,
                "type": "rating",
                "shown_to": [],
                "required": False,
                "text": {"en": "Rate our website", "fr": "Notez notre site"},
                "choices": [],
            },
        ],
    }


def audit_events() -> list[tuple[str, dict[str, Any]]]:
    return [
        (event.action, event.details)
        for event in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("survey.%")).order_by(AuditEvent.id)
        )
    ]


def test_the_list_and_one_survey_give_its_texts_and_questions(
    client: FlaskClient, asked: Asked, admin: dict[str, str], clock: FrozenClock
) -> None:

    nps = add_survey(SurveyKind.NPS, "", clock.now)

    listed = client.get("/api/v1/surveys", headers=admin)
    one = client.get(url(asked.survey), headers=admin)

    assert one.status_code == 200
    assert one.json == asked_json(asked)
    nps_json = {
        "id": nps.id,
        "name": "Net Promoter Score",
        "kind": "nps",
        "default_language": "en",
        "languages": ["en"],
        "texts": {
            **asked_json(asked)["texts"],
            "question": {
                "en": "How likely are you to recommend {company} to a friend or colleague?"
            },
        },
        "questions": [],
    }
    assert listed.json == {
        "items": [asked_json(asked), nps_json],
        "page": 1,
        "per_page": 50,
        "total": 2,
        "pages": 1,
    }


def test_a_put_of_one_text_changes_only_that_text(
    client: FlaskClient, asked: Asked, admin: dict[str, str]
) -> None:
    before = audit_events()
    thanks = {"en": "Thanks a lot!", "fr_ca": " Merci beaucoup ! ", "de": ""}

    answer = client.put(url(asked.survey), json={"texts": {"thanks": thanks}}, headers=admin)

    expected = asked_json(asked)
    expected["texts"]["thanks"] = {"en": "Thanks a lot!", "fr-CA": "Merci beaucoup !"}
    expected["languages"] = ["en", "fr", "fr-CA"]
    assert (answer.status_code, answer.json) == (200, expected)
    assert client.get(url(asked.survey), headers=admin).json == expected
    assert audit_events() == [*before, ("survey.settings_changed", {"fields": ["thanks"]})]


def test_questions_are_renamed_added_and_removed_keeping_their_answers(
    client: FlaskClient,
    asked: Asked,
    admin: dict[str, str],
    make_invitation: MakeInvitation,
    api_key: str,
) -> None:
    ids = answered(client, asked, make_invitation)
    before = audit_events()
    sent = asked_json(asked)["questions"]
    reason, _, word, stars = sent
    reason["text"] = {"en": "Why?", "fr": "Pourquoi ?"}
    reason["choices"] = [
        {"id": ids["slow"], "text": {"en": "Slow reply"}},
        {"text": {"en": "Rude"}},
    ]
    new = {"type": "text", "text": {"en": "Anything else?"}, "required": True}

    answer = client.put(
        url(asked.survey), json={"questions": [stars, reason, new, word]}, headers=admin
    )

    assert answer.status_code == 200, answer.json
    added_question = db.session.scalar(
        sa.select(SurveyQuestion.id)
        .where(SurveyQuestion.type == "text")
        .order_by(SurveyQuestion.id.desc())
    )
    rude = db.session.scalar(
        sa.select(QuestionChoice.id).where(QuestionChoice.texts["en"].as_string() == "Rude")
    )
    reason_out = {
        **reason,
        "choices": [
            {"id": ids["slow"], "text": {"en": "Slow reply"}},
            {"id": rude, "text": {"en": "Rude"}},
        ],
    }
    new_out = {"id": added_question, "shown_to": [], "choices": [], **new}
    assert answer.json["questions"] == [stars, reason_out, new_out, word]
    assert client.get(url(asked.survey), headers=admin).json == answer.json
    # The renamed choice keeps its answer; the removed question's answers went with it.
    listed = client.get("/api/v1/responses", headers={"Authorization": f"Bearer {api_key}"})
    assert listed.json["items"][0]["answers"] == [
        {"question": stars["id"], "rating": 3},
        {"question": reason["id"], "choices": [ids["slow"]]},
        {"question": word["id"], "text": "=Waiting"},
    ]
    # The choice left out is retired, not forgotten, as the admin page does.
    unsolved = db.session.scalar(
        sa.select(QuestionChoice).where(QuestionChoice.texts["en"].as_string() == "Not solved")
    )
    assert unsolved is not None and unsolved.retired
    changes = [
        (details["question"], details["change"]) for _, details in audit_events()[len(before) :]
    ]
    assert changes == [
        (asked.topics.id, "deleted"),
        (stars["id"], "changed"),
        (reason["id"], "changed"),
        (added_question, "added"),
        (word["id"], "changed"),
    ]


def test_conditions_and_texts_set_by_the_api_are_what_a_customer_reads(
    client: FlaskClient, asked: Asked, admin: dict[str, str], make_invitation: MakeInvitation
) -> None:
    sent = asked_json(asked)["questions"]
    reason, topics, word, stars = sent
    topics["shown_to"] = ["satisfied"]
    word["text"] = {"en": "One word?", "fr": "Un mot ?"}
    body = {
        "texts": {"question": {"en": "How did we do?", "fr": "Comment était-ce ?"}},
        "questions": [reason, topics, word, stars],
    }
    assert client.put(url(asked.survey), json=body, headers=admin).status_code == 200
    invitation, token = make_invitation("csat")
    invitation.customer.locale = "fr"
    db.session.commit()

    assert "Comment était-ce ?" in client.get(f"/s/{token}").text
    score(client, token, 2)
    page = client.get(f"/s/{token}")

    assert legends(page.text) == [
        "Quelle était la raison principale ?",
        "Un mot ?",
        "Notez notre site",
    ]


def put(client: FlaskClient, survey: Survey, headers: dict[str, str], body: Any) -> Any:
    return client.put(url(survey), json=body, headers=headers)


def question(**fields: Any) -> dict[str, Any]:
    return {"type": "rating", "text": {"en": "Rate us"}, **fields}


BAD_INPUT = [
    (
        {"questions": [question(type="stars")]},
        {"questions.0.type": "must be one of one_choice, many_choices, text, rating"},
    ),
    (
        {"questions": [question(), question(shown_to=["promoter"])]},
        {
            "questions.1.shown_to": "'promoter' is not a bucket of this survey; expected "
            "satisfied, unsatisfied"
        },
    ),
    (
        {
            "questions": [
                question(),
                question(
                    type="one_choice",
                    choices=[{"text": {"en": "A"}}, {"text": {"en": "B", "f r": "Bé"}}],
                ),
            ]
        },
        {"questions.1.choices.1.text.f r": "must be a language tag such as en, fr or pt-BR"},
    ),
    (
        {"texts": {"question": {"en": "Hi", "english": "Hi"}}, "default_language": "e"},
        {
            "default_language": "must be a language tag such as en, fr or pt-BR",
            "texts.question.english": "must be a language tag such as en, fr or pt-BR",
            # As on the admin page: the question must be written in the default language.
            "texts.question.e": "must not be empty in the default language",
        },
    ),
    (
        {"texts": {"question": {"en": "  ", "fr": "Bonjour"}, "colour": {"en": "red"}}},
        {
            "texts.question.en": "must not be empty in the default language",
            "texts.colour": "is not a text of a survey",
        },
    ),
    (
        {"questions": [question(text={"fr": "Notez-nous"})]},
        {"questions.0.text": "must not be empty in en"},
    ),
    (
        {"questions": [question(type="one_choice", choices=[{"text": {"en": "Only"}}])]},
        {"questions.0.choices": "give from 2 to 30 choices"},
    ),
    (
        {"questions": [question(text="Rate us"), question(text={"en": ["Rate"]})]},
        {"questions.0.text": "must be an object", "questions.1.text.en": "must be a string"},
    ),
    ({"texts": {"thanks": "Merci"}}, {"texts.thanks": "must be an object"}),
    ({"texts": []}, {"texts": "must be an object"}),
    ({"questions": {"0": question()}}, {"questions": "must be an array"}),
    (
        {"questions": [question(required="yes", id=True, shown_to="satisfied")]},
        {
            "questions.0.id": "must be a positive whole number",
            "questions.0.required": "must be true or false",
            "questions.0.shown_to": "must be an array of strings",
        },
    ),
    (
        {"questions": [question(text={"en": "Rate\x00us"})]},
        {"questions.0.text.en": "must not contain NUL characters"},
    ),
    (
        {"questions": [question(text={"en": "x" * 501})]},
        {"questions.0.text.en": "must be at most 500 characters"},
    ),
    ({"questions": [question()] * 21}, {"questions": "a survey has at most 20 questions"}),
    (
        {"questions": [question(type="text", choices=[{"text": {"en": "A"}}])]},
        {"questions.0.choices": "a text question has no choices"},
    ),
]


@pytest.mark.parametrize(("body", "errors"), BAD_INPUT)
def test_bad_input_is_a_422_naming_each_field_and_keeps_nothing(
    client: FlaskClient, asked: Asked, admin: dict[str, str], body: Any, errors: dict[str, str]
) -> None:
    before = audit_events()

    answer = put(client, asked.survey, admin, body)

    assert answer.status_code == 422
    assert answer.json["error"] == "invalid"
    assert answer.json["errors"] == errors
    assert client.get(url(asked.survey), headers=admin).json == asked_json(asked)
    assert audit_events() == before


def test_ids_must_be_the_surveys_own_and_given_once(
    client: FlaskClient, asked: Asked, admin: dict[str, str], clock: FrozenClock
) -> None:
    other = add_asked_to_another_survey(clock)
    sent = asked_json(asked)["questions"]
    reason, topics, word, stars = sent
    topics["choices"][1]["id"] = reason["choices"][0]["id"]
    topics["choices"][2]["id"] = topics["choices"][0]["id"]
    body = {
        "texts": {"thanks": {"en": "Thanks"}},
        "questions": [reason, topics, word, word, {**stars, "id": other}],
    }

    answer = put(client, asked.survey, admin, body)

    assert (answer.status_code, answer.json["errors"]) == (
        422,
        {
            "questions.1.choices.1.id": f"choice {reason['choices'][0]['id']} is not one of "
            "this question's",
            "questions.3.id": f"question {word['id']} is given twice",
            "questions.4.id": f"question {other} is not one of this survey's",
        },
    )
    topics["choices"][1]["id"] = None
    answer = put(client, asked.survey, admin, {"questions": [topics]})
    assert answer.json["errors"] == {
        "questions.0.choices.2.id": f"choice {topics['choices'][0]['id']} is given twice"
    }
    assert client.get(url(asked.survey), headers=admin).json == asked_json(asked)


def add_asked_to_another_survey(clock: FrozenClock) -> int:
    """A question of an NPS survey: its id is not the CSAT survey's."""
    nps = add_survey(SurveyKind.NPS, "", clock.now)
    draft = QuestionDraft(QuestionType.TEXT, {"en": "Why?"}, False, frozenset())
    return add_question(nps, draft, clock.now).id


def test_bodies_that_are_not_a_json_object_are_a_400(
    client: FlaskClient, asked: Asked, admin: dict[str, str]
) -> None:
    nested = '{"questions": ' + "[" * 300 + "]" * 300 + "}"
    answer = client.put(
        url(asked.survey), data=nested, content_type="application/json", headers=admin
    )
    assert (answer.status_code, answer.json["message"]) == (
        400,
        "the body is nested more than 200 levels deep",
    )
    answer = client.put(
        url(asked.survey), data=json.dumps([1]), content_type="application/json", headers=admin
    )
    assert (answer.status_code, answer.json["message"]) == (400, "the body must be a JSON object")


def test_an_unknown_survey_is_a_404(
    client: FlaskClient, asked: Asked, admin: dict[str, str]
) -> None:
    for method in ("GET", "PUT"):
        answer = client.open(url(asked.survey.id + 1), method=method, json={}, headers=admin)
        assert (answer.status_code, answer.json) == (
            404,
            {"error": "not_found", "message": f"no survey {asked.survey.id + 1}"},
        )


@pytest.mark.parametrize("scopes", ["read", "ingest", "ingest read"])
def test_only_an_admin_key_reads_or_changes_surveys(
    client: FlaskClient, asked: Asked, make_api_key: Callable[..., str], scopes: str
) -> None:
    key = {"Authorization": f"Bearer {make_api_key(scopes)}"}
    body = {"texts": {"thanks": {"en": "Thanks"}}}
    for method, path in (
        ("GET", "/api/v1/surveys"),
        ("GET", url(asked.survey)),
        ("PUT", url(asked.survey)),
    ):
        refused = client.open(path, method=method, json=body, headers=key)
        assert (refused.status_code, refused.json) == (
            403,
            {"error": "forbidden", "message": "this key lacks the admin scope"},
        )
        assert client.open(path, method=method, json=body).status_code == 401
    assert db.session.get(Survey, asked.survey.id).texts.get("thanks") is None
