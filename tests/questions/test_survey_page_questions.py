"""The hosted page asks the additional questions once the score is saved, without JavaScript."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Invitation, Response
from feedback_app.questions.models import ResponseAnswer
from tests.helpers import FrozenClock, csrf_from
from tests.questions.asked import Asked

MakeInvitation = Callable[..., tuple[Invitation, str]]


def stored() -> list[tuple[int, int | None, str | None, int | None]]:
    db.session.expire_all()
    return [
        (row.question_id, row.choice_id, row.text, row.rating)
        for row in db.session.scalars(sa.select(ResponseAnswer).order_by(ResponseAnswer.id))
    ]


def legends(page: str) -> list[str]:
    """The questions' texts in page order (legends of fieldsets, labels of text boxes)."""
    found = re.findall(r'<(?:legend|label for="question-\d+") dir="auto">([^<]*)<span', page)
    return [html.unescape(text) for text in found]


def score(client: FlaskClient, token: str, value: int, **extra: str):
    page = client.get(f"/s/{token}")
    return client.post(
        f"/s/{token}", data={"csrf_token": csrf_from(page.text), "score": value, **extra}
    )


def send(client: FlaskClient, token: str, data: dict[str, object]):
    page = client.get(f"/s/{token}")
    return client.post(f"/s/{token}/questions", data={"csrf_token": csrf_from(page.text), **data})


def test_no_question_shows_before_the_score_is_saved(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    page = client.get(f"/s/{token}")
    assert 'class="more"' not in page.text
    assert legends(page.text) == []


def test_an_unsatisfied_customer_is_asked_the_reason_first_in_their_language(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    invitation, token = make_invitation("csat")
    invitation.customer.locale = "fr-CA"
    db.session.commit()
    assert score(client, token, 2).status_code == 303

    page = client.get(f"/s/{token}")

    assert legends(page.text) == [
        "Quelle était la raison principale ?",
        "De quoi s'agissait-il ?",
        "Un mot pour nous ?",
        "Notez notre site",
    ]
    assert "Trop lent</label>" in page.text
    # A choice with no French text reads in English.
    assert ">Billing</label>" in page.text
    assert f'action="/s/{token}/questions"' in page.text
    assert page.text.count("(obligatoire)") == 1
    # The score is saved already: leaving now loses nothing.
    assert db.session.scalar(sa.select(Response.score)) == 2


def test_a_satisfied_customer_is_not_asked_the_reason(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    score(client, token, 5)
    page = client.get(f"/s/{token}")
    assert legends(page.text) == ["What was it about?", "One word for us?", "Rate our website"]
    assert send(client, token, {}).status_code == 303
    assert stored() == []


def test_each_type_of_answer_is_stored_per_question_and_choice(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    score(client, token, 1)
    slow = asked.choice(asked.reason, "Too slow")
    billing = asked.choice(asked.topics, "Billing")
    returns = asked.choice(asked.topics, "Returns")

    reply = send(
        client,
        token,
        {
            f"question-{asked.reason.id}": slow,
            f"question-{asked.topics.id}": [billing, returns],
            f"question-{asked.word.id}": "  Waiting  ",
            f"question-{asked.stars.id}": "2",
        },
    )

    assert (reply.status_code, reply.location) == (303, f"/s/{token}")
    assert stored() == [
        (asked.reason.id, slow, None, None),
        (asked.topics.id, billing, None, None),
        (asked.topics.id, returns, None, None),
        (asked.word.id, None, "Waiting", None),
        (asked.stars.id, None, None, 2),
    ]
    page = client.get(f"/s/{token}")
    assert f'id="question-{asked.reason.id}-{slow}" value="{slow}" checked' in page.text
    assert f'id="question-{asked.stars.id}-2" value="2" checked' in page.text
    assert 'value="Waiting"' in page.text
    assert "Update my answers" in page.text


def test_a_required_question_left_empty_is_named_and_nothing_is_stored(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    score(client, token, 1)
    billing = asked.choice(asked.topics, "Billing")

    reply = send(
        client,
        token,
        {f"question-{asked.topics.id}": billing, f"question-{asked.stars.id}": "9"},
    )

    assert reply.status_code == 422
    assert "Please answer this question." in reply.text
    assert "Please choose a rating from 1 to 5." in reply.text
    assert f'aria-describedby="question-{asked.reason.id}-error"' in reply.text
    # What was chosen stays chosen.
    assert f'value="{billing}" checked' in reply.text
    assert stored() == []


def test_answers_are_edited_within_the_window_and_others_questions_kept(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    _, token = make_invitation("csat")
    score(client, token, 1)
    slow = asked.choice(asked.reason, "Too slow")
    unsolved = asked.choice(asked.reason, "Not solved")
    send(client, token, {f"question-{asked.reason.id}": slow, f"question-{asked.stars.id}": "1"})

    send(client, token, {f"question-{asked.reason.id}": unsolved})
    assert stored() == [(asked.reason.id, unsolved, None, None)]

    # A better score: the reason is no longer asked, and the answer to it stays.
    score(client, token, 5)
    send(client, token, {f"question-{asked.stars.id}": "4"})
    assert stored() == [(asked.reason.id, unsolved, None, None), (asked.stars.id, None, None, 4)]

    csrf = csrf_from(client.get(f"/s/{token}").text)
    clock.advance(days=31)
    assert 'class="more"' not in client.get(f"/s/{token}").text
    late = client.post(
        f"/s/{token}/questions", data={"csrf_token": csrf, f"question-{asked.stars.id}": "5"}
    )
    assert late.status_code == 403
    assert stored()[-1] == (asked.stars.id, None, None, 4)


def test_a_post_without_its_page_token_saves_nothing(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    score(client, token, 1)
    reply = client.post(f"/s/{token}/questions", data={f"question-{asked.stars.id}": "3"})
    assert reply.status_code == 400
    assert stored() == []


def test_questions_before_any_score_go_back_to_the_page(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    reply = client.post(f"/s/{token}/questions", data={f"question-{asked.stars.id}": "3"})
    assert (reply.status_code, reply.location) == (303, f"/s/{token}")
    assert stored() == []


def test_the_email_buttons_page_leads_to_the_questions_without_javascript(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    link = client.get(f"/s/{token}?score=1")
    # Without JavaScript the customer presses the visible Send button.
    reply = client.post(
        f"/s/{token}", data={"csrf_token": csrf_from(link.text), "score": "1", "via": "email"}
    )
    assert reply.status_code == 303
    page = client.get(reply.location)
    assert legends(page.text)[0] == "What was the main reason?"
    assert db.session.scalar(sa.select(Response.source)) == "email"


def test_answers_sent_from_an_expired_session_come_back_as_given(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation
) -> None:
    """The tab was open for hours: nothing is stored without the form's token, and nothing
    chosen or typed is lost; one press then saves it."""
    _, token = make_invitation("csat")
    score(client, token, 1)
    slow = asked.choice(asked.reason, "Too slow")
    given = {f"question-{asked.reason.id}": slow, f"question-{asked.word.id}": "Waiting <long>"}

    stale = client.post(f"/s/{token}/questions", data=given)

    assert stale.status_code == 400
    assert (
        '<p class="notice" role="alert">This page was open for a long time, so your answer is '
        "not saved yet. Please check it and press the button again.</p>"
    ) in stale.text
    assert f'id="question-{asked.reason.id}-{slow}" value="{slow}" checked' in stale.text
    assert 'value="Waiting &lt;long&gt;"' in stale.text
    assert stored() == []
    resent = client.post(
        f"/s/{token}/questions", data={"csrf_token": csrf_from(stale.text), **given}
    )
    assert resent.status_code == 303
    assert stored() == [
        (asked.reason.id, slow, None, None),
        (asked.word.id, None, "Waiting <long>", None),
    ]
