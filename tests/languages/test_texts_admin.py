"""The texts section of a survey's admin page: every text per language, the default
language, adding a language, and which texts each language lacks."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Survey, User
from feedback_app.services.surveys import survey_for_kind
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock, csrf_from
from tests.questions.asked import add_asked

QUESTION = "How satisfied were you with the support you received from {company}?"
FOLLOWUP = "What is the main reason for your score?"


@pytest.fixture
def admin(login: Callable[..., User]) -> User:
    return login("admin")


@pytest.fixture
def csat(app: Flask, clock: FrozenClock) -> Survey:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    db.session.commit()
    return survey


def stored(survey: Survey) -> tuple[str, dict[str, dict[str, str]]]:
    db.session.expire_all()
    fresh = db.session.get(Survey, survey.id)
    assert fresh is not None
    return fresh.default_language, fresh.texts


def missing_rows(html: str) -> list[tuple[str, str]]:
    table = html[
        html.index('<table id="missing-texts">') : html.index(
            "</table>", html.index('id="missing-texts"')
        )
    ]
    return [
        (language, re.sub(r"\s+", " ", missing))
        for language, missing in re.findall(
            r'<tr><th scope="row">(.*?)</th>\s*<td class="text" dir="auto">(.*?)</td></tr>',
            table,
            re.S,
        )
    ]


def test_an_admin_adds_a_language_and_sees_what_it_lacks(
    client: FlaskClient, admin: User, csat: Survey
) -> None:
    page = client.get(f"/admin/surveys/{csat.id}")
    assert missing_rows(page.text) == [("English (en), default", "Nothing missing")]

    saved = client.post(
        f"/admin/surveys/{csat.id}/texts",
        data={
            "csrf_token": csrf_from(page.text),
            "default_language": "en",
            "text-question-en": QUESTION,
            "text-followup_question-en": FOLLOWUP,
            "text-thanks-en": " Thanks a lot! ",
            "new_language": "pt_br",
            "text-question-new": "Como foi o atendimento da {company}?",
        },
    )

    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/admin/surveys/{csat.id}#languages"
    assert stored(csat) == (
        "en",
        {
            "question": {"en": QUESTION, "pt-BR": "Como foi o atendimento da {company}?"},
            "followup_question": {"en": FOLLOWUP},
            "thanks": {"en": "Thanks a lot!"},
        },
    )
    after = client.get(f"/admin/surveys/{csat.id}").text
    assert missing_rows(after) == [
        ("English (en), default", "Nothing missing"),
        ("Portuguese (Brazil) (pt-BR)", "Follow-up question, Thank-you heading after answering"),
    ]
    assert (
        '<label for="text-thanks-pt-BR">Thank-you heading after answering '
        '<span class="missing">(missing)</span></label>'
    ) in after
    assert 'name="text-question-pt-BR" rows="2" dir="auto"' in after
    assert db.session.query(AuditEvent).filter_by(
        action="survey.settings_changed"
    ).one().details == {"fields": ["question", "thanks"]}


def test_the_additional_questions_texts_are_in_the_report(
    client: FlaskClient, admin: User, clock: FrozenClock
) -> None:
    """French is a language of the survey once a question has it (and lacks the survey's own
    English texts); a choice written only in English is missing in French, and a retired
    choice is not asked, so not missing."""
    asked = add_asked(clock)
    retired = asked.topics.choices[2]
    retired.retired = True
    db.session.commit()
    page = client.get(f"/admin/surveys/{asked.survey.id}")
    assert missing_rows(page.text) == [
        ("English (en), default", "Nothing missing"),
        (
            "French (fr)",
            "Question, Follow-up question, Question 2, choice “Billing”, Question 2, choice"
            " “Delivery”",
        ),
    ]


def test_the_default_language_can_change_only_to_one_with_the_question(
    client: FlaskClient, admin: User, csat: Survey
) -> None:
    csat.texts = {
        "question": {"en": QUESTION, "fr": "Comment était-ce ?"},
        "thanks": {"fr": "Merci !"},
    }
    db.session.commit()
    page = client.get(f"/admin/surveys/{csat.id}").text
    token = csrf_from(page)

    refused = client.post(
        f"/admin/surveys/{csat.id}/texts",
        data={
            "csrf_token": token,
            "default_language": "fr",
            "text-question-en": QUESTION,
            "text-question-fr": "  ",
            "new_language": "de",
        },
    )
    changed = client.post(
        f"/admin/surveys/{csat.id}/texts",
        data={
            "csrf_token": token,
            "default_language": "fr",
            "text-question-en": QUESTION,
            "text-question-fr": "Comment était-ce ?",
        },
    )

    assert refused.status_code == 422
    assert '<p class="field-error" id="new_language-error">give at least one text in de</p>' in (
        refused.text
    )
    assert 'name="text-question-fr" rows="2" dir="auto"' in refused.text
    assert 'value="Support satisfaction (CSAT)"' in refused.text
    assert '<input aria-describedby="enabled-hint" checked id="enabled"' in refused.text
    assert changed.status_code == 302
    assert stored(csat) == (
        "fr",
        {"question": {"en": QUESTION, "fr": "Comment était-ce ?"}},
    )
    blank = client.post(
        f"/admin/surveys/{csat.id}/texts",
        data={"csrf_token": token, "default_language": "fr", "text-question-en": QUESTION},
    )
    assert blank.status_code == 422
    assert (
        '<li><a href="#text-question-fr">Question (fr): must not be empty in the default '
        "language</a></li>"
    ) in blank.text
    assert 'aria-invalid="true">' in blank.text
    assert stored(csat)[0] == "fr"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("e n", "must be a language tag such as de, es or pt-BR"),
        ("EN", "en is already listed: change its texts above"),
        ("", "give the language of the new texts, e.g. de"),
    ],
)
def test_a_bad_added_language_is_named(
    client: FlaskClient, admin: User, csat: Survey, typed: str, message: str
) -> None:
    before = stored(csat)
    page = client.get(f"/admin/surveys/{csat.id}").text

    refused = client.post(
        f"/admin/surveys/{csat.id}/texts",
        data={
            "csrf_token": csrf_from(page),
            "default_language": "en",
            "text-question-en": QUESTION,
            "new_language": typed,
            "text-thanks-new": "Danke!",
        },
    )

    assert refused.status_code == 422
    assert f'<p class="field-error" id="new_language-error">{message}</p>' in refused.text
    assert ">Danke!</textarea>" in refused.text
    assert stored(csat) == before
