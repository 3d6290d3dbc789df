"""A staff form whose CSRF token expired (a tab left open) loses nothing: the page comes back
with what was typed in a fresh form that sends it again; a form another site sends does not."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from werkzeug.test import TestResponse

from feedback_app.extensions import db
from feedback_app.models import Survey, User
from feedback_app.services.surveys import survey_for_kind
from surveys.kinds import SurveyKind
from tests.conftest import TEST_PASSWORD
from tests.helpers import FrozenClock, csrf_from, sign_in

QUESTION = "How did {company} do today?\nTell us — honestly."
QUESTION_FIELD = "text-question-en"
EXPIRED = "This form had expired; check and send it again."
NOT_RESENT = "Nothing was saved. Go back, reload the page and send it again."


@pytest.fixture
def csat(app: Flask, clock: FrozenClock) -> Survey:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    db.session.commit()
    return survey


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Move the CSRF tokens' clock two hours on: every token issued before has expired."""

    def move() -> None:
        now = TimestampSigner.get_timestamp(TimestampSigner("key"))
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: now + 7200)

    return move


def question_of(survey: Survey) -> str | None:
    db.session.expire_all()
    fresh = db.session.get(Survey, survey.id)
    assert fresh is not None
    return fresh.texts.get("question", {}).get("en")


def resend_form(page: TestResponse) -> tuple[str, list[tuple[str, str]]]:
    """The address the page's "Send again" form posts to, and its fields."""
    start = page.text.index('<form method="post" action="', page.text.index("error-page"))
    form = page.text[start : page.text.index("</form>", start)]
    action = re.search(r'action="([^"]*)"', form)
    assert action is not None
    fields = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form)
    return html.unescape(action.group(1)), [(n, html.unescape(v)) for n, v in fields]


def said(page: TestResponse) -> list[str]:
    box = page.text[page.text.index('<div class="narrow error-page">') :]
    box = box[: box.index("</p>", box.index("<h1>") + 1) + 4]
    return [html.unescape(text) for text in re.findall(r"<(?:p|h1)[^>]*>(.*?)</", box)]


def test_a_stale_texts_form_comes_back_with_what_was_typed_and_sends_it_again(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., User],
    csat: Survey,
    later: Callable[[], None],
) -> None:
    login("admin")
    settings = f"/admin/surveys/{csat.id}"
    stale_token = csrf_from(client.get(settings).text)
    later()
    typed = {
        "default_language": "en",
        "text-question-en": QUESTION,
        "text-thanks-en": 'Thanks <b>a lot</b> & "more"',
    }

    # A context of its own, as in a server: the test's would keep the token cached in ``g``.
    with app.app_context():
        refused = client.post(
            f"{settings}/texts",
            data={"csrf_token": stale_token, **typed},
            headers={"Referer": f"http://localhost{settings}"},
        )

    assert refused.status_code == 400
    assert said(refused) == ["Error 400", "This form had expired", EXPIRED]
    assert '<nav aria-label="Main">' in refused.text
    assert question_of(csat) != QUESTION
    action, fields = resend_form(refused)
    assert action == f"{settings}/texts"
    token = dict(fields)["csrf_token"]
    assert token != stale_token
    assert [field for field in fields if field[0] != "csrf_token"] == list(typed.items())
    assert f'<li><a href="{settings}">Go back</a></li>' in refused.text

    with app.app_context():
        sent = client.post(action, data=dict(fields))

    assert sent.status_code == 302
    assert sent.headers["Location"] == f"{settings}#languages"
    assert question_of(csat) == QUESTION


def test_a_stale_form_with_a_get_page_keeps_its_query_string(
    client: FlaskClient, login: Callable[..., User], later: Callable[[], None]
) -> None:
    login("manager")
    stale_token = csrf_from(client.get("/followups/?status=open").text)
    later()
    refused = client.post(
        "/followups/bulk?status=open",
        data={"csrf_token": stale_token, "filters": "status=open", "action": "close"},
        headers={"Referer": "http://localhost/followups/?status=open"},
    )
    assert refused.status_code == 400
    action, fields = resend_form(refused)
    assert action == "/followups/bulk?status=open"
    assert [f for f in fields if f[0] != "csrf_token"] == [
        ("filters", "status=open"),
        ("action", "close"),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Referer": "https://elsewhere.example/page"},
        {"Referer": "http://localhost/followups/", "Origin": "https://elsewhere.example"},
        {"Referer": "http://localhost/followups/", "Sec-Fetch-Site": "cross-site"},
    ],
)
def test_a_form_not_sent_from_this_site_is_not_offered_again(
    client: FlaskClient,
    login: Callable[..., User],
    csat: Survey,
    headers: dict[str, str],
) -> None:
    login("admin")
    refused = client.post(
        f"/admin/surveys/{csat.id}/texts",
        data={"text-question-en": "Forged"},
        headers=headers,
    )
    assert refused.status_code == 400
    assert said(refused) == ["Error 400", "This form had expired", NOT_RESENT]
    assert "Send again" not in refused.text
    assert "Forged" not in refused.text


def test_a_stale_sign_in_does_not_echo_the_password(
    client: FlaskClient, later: Callable[[], None]
) -> None:
    stale_token = csrf_from(client.get("/login").text)
    later()
    refused = client.post(
        "/login",
        data={"csrf_token": stale_token, "email": "ana@example.com", "password": "hunter2-pass"},
        headers={"Referer": "http://localhost/login"},
    )
    assert refused.status_code == 400
    assert said(refused) == ["Error 400", "This form had expired", NOT_RESENT]
    assert "hunter2-pass" not in refused.text
    assert '<li><a href="/login">Go back</a></li>' in refused.text


def test_a_tab_left_open_past_the_idle_time_signs_in_elsewhere_and_sends_again(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., User],
    csat: Survey,
    clock: FrozenClock,
    later: Callable[[], None],
) -> None:
    admin = login("admin")
    settings = f"/admin/surveys/{csat.id}"
    stale_token = csrf_from(client.get(settings).text)
    later()
    clock.advance(hours=2)  # past the staff session's idle time too

    with app.app_context():
        refused = client.post(
            f"{settings}/texts",
            data={
                "csrf_token": stale_token,
                "default_language": "en",
                QUESTION_FIELD: QUESTION,
            },
            headers={"Referer": f"http://localhost{settings}"},
        )

    assert refused.status_code == 400
    assert said(refused) == [
        "Error 400",
        "This form had expired",
        "This form had expired and you were signed out. Sign in in a new tab, then come back "
        "here, check and send it again.",
    ]
    assert (
        '<li><a href="/login" target="_blank" rel="noopener">Sign in (opens a new tab)</a></li>'
    ) in refused.text
    action, fields = resend_form(refused)
    assert sign_in(client, admin.email, TEST_PASSWORD).status_code == 302

    with app.app_context():
        sent = client.post(action, data=dict(fields))

    assert sent.status_code == 302
    assert sent.headers["Location"] == f"{settings}#languages"
    assert question_of(csat) == QUESTION
