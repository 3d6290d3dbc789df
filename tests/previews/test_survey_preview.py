"""The admin's preview of a survey: its email and page as customers get them, in each of its
languages, answered without recording anything, and a test email to the admin."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import MailboxMessage, Response, Survey, User
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.surveys import survey_for_kind
from surveys import SurveyKind
from tests.helpers import FrozenClock, csrf_from

HREF = re.compile(r'href="([^"]+)"')


def nps_survey(clock: FrozenClock) -> Survey:
    survey = survey_for_kind(SurveyKind.NPS, clock.now)
    survey.texts = {"question": {"fr": "Recommanderiez-vous {company} ?"}}
    db.session.commit()
    return survey


def test_the_preview_frames_the_email_and_the_page_in_the_chosen_language(
    client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    survey = nps_survey(clock)
    login("admin")
    base = f"/admin/surveys/{survey.id}/preview"
    assert f'<a href="{base}/">Preview</a>' in client.get(f"/admin/surveys/{survey.id}").text
    page = client.get(f"{base}/?language=fr")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert '<option value="en">en</option>\n    <option value="fr" selected>fr</option>' in text
    assert (
        '<dt>Subject</dt><dd class="text" dir="auto">Comment Acme s\'en est-il sorti ?</dd>' in text
    )
    assert '<span class="muted text">To admin@example.com</span>' in text
    frames = re.findall(r'<iframe class="phone" width="(\d+)"[^>]*src="([^"]+)"', page.text, re.S)
    assert frames == [
        ("640", f"{base}/email?language=fr"),
        ("390", f"{base}/email?language=fr"),
        ("1024", f"{base}/page?language=fr"),
        ("390", f"{base}/page?language=fr"),
    ]
    assert client.get("/admin/surveys/999/preview/").status_code == 404
    # A language the survey has no text in is its default one.
    assert '<option value="en" selected>en</option>' in client.get(f"{base}/?language=xx").text

    email = client.get(f"{base}/email?language=fr")
    assert email.status_code == 200
    assert email.headers["Content-Security-Policy"].startswith("default-src 'none'; style-src")
    assert "Recommanderiez-vous Acme ?" in email.text
    assert "Vous recevez cet e-mail parce que vous êtes client de Acme." in email.text
    assert [html.unescape(link) for link in HREF.findall(email.text)] == [
        f"{base}/page?language=fr&score={n}" for n in range(11)
    ] + [f"{base}/page?language=fr"] * 2


def test_the_page_preview_checks_and_thanks_without_recording(
    client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    survey = nps_survey(clock)
    login("admin")
    url = f"/admin/surveys/{survey.id}/preview/page?language=fr"
    opened = client.get(f"{url}&score=3")
    assert opened.status_code == 200
    assert '<input type="radio" name="score" id="score-3" value="3" checked>' in opened.text
    assert "frame-ancestors 'self'" in opened.headers["Content-Security-Policy"]
    assert client.get(f"{url}&score=11").status_code == 400

    token = csrf_from(opened.text)
    refused = client.post(url, data={"csrf_token": token, "score": ""})
    assert refused.status_code == 422
    assert "Veuillez choisir une note." in html.unescape(refused.text)
    sent = client.post(url, data={"csrf_token": token, "score": "3", "comment": "Bien"})
    assert sent.status_code == 200
    assert "Votre note : 3" in html.unescape(sent.text).replace("\u202f", " ")
    assert (
        '<p class="notice" role="status" lang="en" dir="ltr">Preview: nothing was saved.</p>'
        in sent.text
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_send_me_a_test_mails_the_admin_links_to_the_preview(
    client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    survey = nps_survey(clock)
    login("admin")
    base = f"/admin/surveys/{survey.id}/preview"
    page = client.get(f"{base}/?language=fr")
    answer = client.post(
        f"{base}/test?language=fr", data={"csrf_token": csrf_from(page.text)}, follow_redirects=True
    )
    assert answer.status_code == 200
    assert (
        "A test email is on its way to admin@example.com; its buttons open this preview, so "
        "nothing is recorded." in answer.text
    )
    assert deliver_outbox(clock.now) == 1
    [mail] = db.session.scalars(sa.select(MailboxMessage)).all()
    assert mail.recipient == "Admin <admin@example.com>"
    assert mail.subject == "Comment Acme s'en est-il sorti ?"
    assert f"0 (Pas du tout probable): http://feedback.test{base}/page?language=fr&score=0\n" in (
        mail.text
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0


def test_only_admins_preview(
    client: FlaskClient, login: Callable[..., User], clock: FrozenClock
) -> None:
    survey = nps_survey(clock)
    login("manager")
    assert client.get(f"/admin/surveys/{survey.id}/preview/").status_code == 403
    assert client.get("/admin/surveys/999/preview/").status_code == 403
