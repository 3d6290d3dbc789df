"""The embed asks the additional questions in the widget once its score is saved."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.questions.models import ResponseAnswer
from tests.integration.test_embed import form_token, post, url
from tests.questions.asked import Asked


def stored() -> list[tuple[int, int | None, int | None]]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ResponseAnswer).order_by(ResponseAnswer.id))
    return [(row.question_id, row.choice_id, row.rating) for row in rows]


def questions_action(page: str) -> str:
    match = re.search(r'<form class="more" method="post" action="([^"]+)"', page)
    assert match, "no questions form in the widget"
    return html.unescape(match.group(1))


def scored(client: FlaskClient, asked: Asked, score: str) -> str:
    asked.survey.allowed_origins = "https://help.example.com"
    db.session.commit()
    address = url(asked.survey)
    first = post(client, address, form_token=form_token(client.get(address).text), score=score)
    assert first.status_code == 200
    return first.text


def test_the_widget_asks_the_bucket_its_questions_and_stores_the_answers(
    client: FlaskClient, asked: Asked
) -> None:
    page = scored(client, asked, "1")
    action = questions_action(page)
    assert action == f"/embed/{asked.survey.public_key}/questions?origin=https://help.example.com"
    assert "What was the main reason?" in page
    slow = asked.choice(asked.reason, "Too slow")

    reply = post(
        client,
        action,
        form_token=form_token(page),
        **{f"question-{asked.reason.id}": str(slow), f"question-{asked.stars.id}": "5"},
    )

    assert reply.status_code == 200
    assert stored() == [(asked.reason.id, slow, None), (asked.stars.id, None, 5)]
    assert "Update my answers" in reply.text
    assert f'value="{slow}" checked' in reply.text
    # The page after carries a fresh token; the spent one carries nothing more.
    again = post(
        client,
        action,
        form_token=form_token(page),
        **{f"question-{asked.reason.id}": str(slow), f"question-{asked.stars.id}": "1"},
    )
    assert again.status_code == 409
    assert stored()[-1] == (asked.stars.id, None, 5)


def test_a_required_question_left_empty_is_refused_in_the_widget(
    client: FlaskClient, asked: Asked
) -> None:
    page = scored(client, asked, "2")
    reply = post(client, questions_action(page), form_token=form_token(page))
    assert reply.status_code == 422
    assert "Please answer this question." in reply.text
    assert stored() == []


def test_questions_need_a_token_naming_a_saved_answer_and_our_own_origin(
    client: FlaskClient, asked: Asked
) -> None:
    page = scored(client, asked, "5")
    action = questions_action(page)
    fresh = form_token(client.get(url(asked.survey)).text)
    stars = {f"question-{asked.stars.id}": "3"}

    assert post(client, action, form_token=fresh, **stars).status_code == 400
    foreign = post(
        client, action, origin="https://evil.example", form_token=form_token(page), **stars
    )
    assert foreign.status_code == 403
    assert stored() == []
