"""The follow-up case page shows the answers; the triage queue filters by reason."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase, Invitation
from feedback_app.services.settling import settle_answers
from tests.questions.asked import Asked
from tests.questions.test_survey_page_questions import score, send

MakeInvitation = Callable[..., tuple[Invitation, str]]


def unhappy(
    client: FlaskClient, asked: Asked, make_invitation: MakeInvitation, email: str, reason: str
) -> FollowUpCase:
    _, token = make_invitation("csat", email=email)
    score(client, token, 1)
    send(
        client,
        token,
        {
            f"question-{asked.reason.id}": asked.choice(asked.reason, reason),
            f"question-{asked.word.id}": "Waiting",
        },
    )
    settle_answers()
    return db.session.scalars(sa.select(FollowUpCase).order_by(FollowUpCase.id.desc())).first()


def test_the_queue_filters_by_reason_and_the_case_shows_the_answers(
    client: FlaskClient,
    asked: Asked,
    make_invitation: MakeInvitation,
    login: Callable[..., object],
) -> None:
    slow = unhappy(client, asked, make_invitation, "a@example.com", "Too slow")
    unsolved = unhappy(client, asked, make_invitation, "b@example.com", "Not solved")
    login("manager")
    reason = asked.choice(asked.reason, "Too slow")

    everything = client.get("/followups/").text
    filtered = client.get(f"/followups/?reason={reason}")

    assert filtered.status_code == 200
    assert f'<option selected value="{reason}">What was the main reason?: Too slow</option>' in (
        filtered.text
    )
    for case in (slow, unsolved):
        assert f'href="/followups/{case.id}"' in everything
    assert f'href="/followups/{slow.id}"' in filtered.text
    assert f'href="/followups/{unsolved.id}"' not in filtered.text

    page = client.get(f"/followups/{slow.id}").text
    assert (
        '<dt dir="auto">What was the main reason?</dt><dd class="comment" dir="auto">Too slow</dd>'
        in page
    )
    assert '<dt dir="auto">One word for us?</dt><dd class="comment" dir="auto">Waiting</dd>' in page
