"""A survey's texts in the customer's language: on the page, in the invitation email, and
falling back to the survey's default language, then English."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Invitation
from feedback_app.services.emails import survey_email
from tests.helpers import csrf_from

MakeInvitation = Callable[..., tuple[Invitation, str]]

TEXTS = {
    "question": {"en": "How was {company}?", "es": "¿Qué tal {company}?"},
    "followup_question": {"en": "Why?", "es": "¿Por qué?"},
    "low_label": {"es": "Fatal"},
    "high_label": {"es": "Genial"},
    "thanks": {"es": "¡Gracias de corazón!"},
    "email_subject": {"es": "Su opinión sobre {company}"},
    "email_greeting": {"es": "Hola {name}:"},
    "email_button_line": {"es": "Elija una nota en la página que se abre."},
}


def customer_with(make_invitation: MakeInvitation, locale: str | None) -> tuple[Invitation, str]:
    invitation, token = make_invitation()
    invitation.survey.texts = TEXTS
    invitation.survey.default_language = "en"
    invitation.survey.company_name = "Acme"
    invitation.customer.locale = locale
    db.session.commit()
    return invitation, token


def test_a_spanish_customer_reads_the_spanish_texts_on_the_page(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = customer_with(make_invitation, "es-MX")

    page = client.get(f"/s/{token}").text
    thanks = client.post(
        f"/s/{token}", data={"csrf_token": csrf_from(page), "score": "5"}, follow_redirects=True
    ).text

    assert '<h1 class="question">¿Qué tal Acme?</h1>' in page
    assert '<label for="comment">¿Por qué? <span class="optional">' in page
    assert "<span>1 = Fatal</span>" in page
    assert "<span>5 = Genial</span>" in page
    assert '<h2 id="thanks-title">¡Gracias de corazón!</h2>' in thanks


def test_a_language_without_texts_falls_back_to_the_default_and_our_own_words(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = customer_with(make_invitation, "fr")

    page = client.get(f"/s/{token}").text

    assert '<html lang="en">' in page
    assert '<h1 class="question">How was Acme?</h1>' in page
    assert "<span>1 = Très insatisfait</span>" in page
    assert '<button type="submit" class="send">Envoyer</button>' in page


def test_the_invitation_email_says_the_surveys_own_words(
    app: object, make_invitation: MakeInvitation
) -> None:
    invitation, _ = customer_with(make_invitation, "es")

    email = survey_email(invitation)
    reminder = survey_email(invitation, reminder=True)

    assert email.subject == "Su opinión sobre Acme"
    assert reminder.subject == "Recordatorio: Su opinión sobre Acme"
    assert email.text.startswith("Hola Casey:\n\n")
    assert "¿Qué tal Acme?" in email.text
    assert "1 (Fatal): " in email.text
    assert "Elija una nota en la página que se abre.\n" in email.text
    assert '<p dir="auto" style="margin:0 0 16px 0;">Hola Casey:</p>' in email.html


def test_without_its_own_words_the_email_says_ours(
    app: object, make_invitation: MakeInvitation
) -> None:
    invitation, _ = make_invitation()
    invitation.customer.name = ""
    db.session.commit()

    email = survey_email(invitation)

    assert email.text.startswith("Hello,\n\n")
    assert (
        "Choose a score to open the survey with it chosen; you can add a comment there.\n"
        in email.text
    )


PORTUGUESE = "Quão satisfeito você ficou com o atendimento que recebeu da Acme?"


@pytest.mark.parametrize(
    ("locale", "lang", "question", "send"),
    [
        (
            "pt-BR",
            "pt-BR",
            "Quão satisfeito você ficou com o atendimento que recebeu da Acme?",
            "Enviar",
        ),
        (
            "pt",
            "pt-BR",
            "Quão satisfeito você ficou com o atendimento que recebeu da Acme?",
            "Enviar",
        ),
        ("de-AT", "de", "Wie zufrieden waren Sie mit dem Support von Acme?", "Senden"),
        ("nl", "nl", "Hoe tevreden was u over de ondersteuning die u van Acme kreeg?", "Versturen"),
        ("es", "es", "¿Qué tan satisfecho quedó con la atención que recibió de Acme?", "Enviar"),
    ],
)
def test_the_usual_question_and_our_words_in_each_shipped_language(
    client: FlaskClient,
    make_invitation: MakeInvitation,
    locale: str,
    lang: str,
    question: str,
    send: str,
) -> None:
    invitation, token = make_invitation()
    invitation.survey.company_name = "Acme"
    invitation.customer.locale = locale
    db.session.commit()

    page = client.get(f"/s/{token}").text

    assert f'<html lang="{lang}">' in page
    assert f'<h1 class="question">{question}</h1>' in page
    assert f'<button type="submit" class="send">{send}</button>' in page
