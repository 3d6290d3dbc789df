"""The hosted survey page /s/<token>: opening, answering, revising, and refusals."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Agent, Customer, Interaction, Invitation, Response, Team
from surveys import channels
from surveys.invitations import InvitationStatus
from tests.helpers import FrozenClock, csrf_from

MakeInvitation = Callable[..., tuple[Invitation, str]]


def responses() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Response).order_by(Response.id)))


def reload(invitation: Invitation) -> Invitation:
    db.session.expire_all()
    return db.session.get(Invitation, invitation.id)


def checked_scores(html: str) -> list[str]:
    return re.findall(r'name="score" id="score-\d+" value="(\d+)" checked', html)


def answer(client: FlaskClient, token: str, score: object, comment: str = "", **extra: str) -> Any:
    """Open the page as the customer's browser does, then post the form."""
    page = client.get(f"/s/{token}")
    data = {"csrf_token": csrf_from(page.text), "score": score, "comment": comment, **extra}
    return client.post(f"/s/{token}", data=data)


@pytest.fixture
def interaction(app: Any, clock: FrozenClock) -> Interaction:
    team = Team(name="Billing")
    agent = Agent(email="ann@acme.test", name="Ann", team=team)
    customer = Customer(
        email="customer@example.com", name="Casey", created_at=clock.now, updated_at=clock.now
    )
    row = Interaction(
        external_id="T-1001",
        customer=customer,
        channel=channels.CHAT,
        agent=agent,
        team=team,
        created_at=clock.now,
        updated_at=clock.now,
    )
    db.session.add(row)
    db.session.commit()
    return row


def test_a_score_link_preselects_the_score_and_writes_no_response(
    client: FlaskClient, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    invitation, token = make_invitation("nps")

    page = client.get(f"/s/{token}?score=9")

    assert page.status_code == 200
    assert checked_scores(page.text) == ["9"]
    assert "data-autosubmit" in page.text
    assert 'name="via" type="hidden" value="email"' in page.text
    assert "How likely are you to recommend Acme to a friend or colleague?" in page.text
    assert responses() == []
    opened = reload(invitation)
    assert (opened.status, opened.opened_at) == (InvitationStatus.OPENED, clock.now)


def test_opening_again_keeps_the_first_open_time(
    client: FlaskClient, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    invitation, token = make_invitation()
    first = clock.now
    client.get(f"/s/{token}")
    clock.advance(hours=2)
    client.get(f"/s/{token}")
    assert reload(invitation).opened_at == first


def test_the_page_labels_the_scale_ends_and_asks_the_followup_question(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    html = client.get(f"/s/{token}").text
    assert checked_scores(html) == []
    assert "data-autosubmit" not in html
    assert re.findall(r'type="radio" name="score" id="score-(\d+)"', html) == list("12345")
    assert '<span class="visually-hidden"> Very unsatisfied</span>' in html
    assert '<span class="visually-hidden"> Very satisfied</span>' in html
    assert "<legend><h1" in html
    assert "What is the main reason for your score?" in html


def test_posting_saves_the_response_with_its_bucket_and_the_interaction_facts(
    client: FlaskClient,
    make_invitation: MakeInvitation,
    interaction: Interaction,
    clock: FrozenClock,
) -> None:
    invitation, token = make_invitation("nps", interaction=interaction)
    clock.advance(minutes=5)

    result = answer(client, token, "9", "  Quick and friendly  ", via="email")

    assert result.status_code == 303
    assert result.headers["Location"] == f"/s/{token}"
    [row] = responses()
    assert (row.invitation_id, row.survey_id, row.customer_id, row.interaction_id) == (
        invitation.id,
        invitation.survey_id,
        invitation.customer_id,
        interaction.id,
    )
    assert (row.kind.value, row.score, row.bucket.value, row.comment) == (
        "nps",
        9,
        "promoter",
        "Quick and friendly",
    )
    assert (row.channel, row.agent_id, row.team_id) == (
        channels.CHAT,
        interaction.agent_id,
        interaction.team_id,
    )
    assert (row.source, row.locale) == ("email", "en")
    assert row.created_at == row.updated_at == datetime(2026, 3, 2, 9, 5, tzinfo=UTC)
    answered = reload(invitation)
    assert (answered.status, answered.responded_at) == (InvitationStatus.RESPONDED, clock.now)

    thanks = client.get(f"/s/{token}").text
    assert "Thank you for your feedback!" in thanks
    assert "Your score: 9" in thanks
    assert "You can change your score or your comment until March 9, 2026." in thanks
    assert checked_scores(thanks) == ["9"]
    assert "Quick and friendly</textarea>" in thanks


def test_a_scheduled_invitation_can_be_answered_before_it_is_sent(
    client: FlaskClient, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    invitation, token = make_invitation("csat")
    csrf = csrf_from(client.get("/login").text)

    result = client.post(f"/s/{token}", data={"csrf_token": csrf, "score": "2"})

    assert result.status_code == 303
    [row] = responses()
    assert (row.score, row.bucket.value, row.source, row.comment) == (2, "unsatisfied", "page", "")
    answered = reload(invitation)
    assert answered.status is InvitationStatus.RESPONDED
    assert answered.opened_at is None


def test_a_post_from_an_expired_session_comes_back_as_typed_and_one_press_saves_it(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    """The tab was open for hours (or the cookies were cleared): nothing is saved without the
    form's token, but nothing typed is lost either."""
    invitation, token = make_invitation()
    comment = "The agent <b>really</b> listened"

    result = client.post(f"/s/{token}", data={"score": "5", "comment": comment})

    assert result.status_code == 400
    assert (
        '<p class="notice" role="alert">This page was open for a long time, so your answer is '
        "not saved yet. Please check it and press the button again.</p>"
    ) in result.text
    assert f">\r\n{html.escape(comment, quote=False)}</textarea>" in result.text
    assert 'id="score-5" value="5" checked>' in result.text
    assert responses() == []
    assert reload(invitation).status is InvitationStatus.SCHEDULED
    resent = client.post(
        f"/s/{token}", data={"csrf_token": csrf_from(result.text), "score": "5", "comment": comment}
    )
    assert resent.status_code == 303
    [row] = responses()
    assert (row.score, row.comment) == (5, comment)


@pytest.mark.parametrize(
    ("kind", "score", "bucket"),
    [
        ("csat", "1", "unsatisfied"),
        ("csat", "5", "satisfied"),
        ("ces", "1", "unsatisfied"),
        ("ces", "7", "satisfied"),
        ("nps", "0", "detractor"),
        ("nps", "10", "promoter"),
    ],
)
def test_each_scale_end_is_accepted(
    client: FlaskClient, make_invitation: MakeInvitation, kind: str, score: str, bucket: str
) -> None:
    _, token = make_invitation(kind)
    assert answer(client, token, score).status_code == 303
    [row] = responses()
    assert (row.score, row.bucket.value) == (int(score), bucket)


@pytest.mark.parametrize(
    ("kind", "score", "message"),
    [
        ("csat", "0", "Please choose a score from 1 to 5."),
        ("csat", "6", "Please choose a score from 1 to 5."),
        ("ces", "0", "Please choose a score from 1 to 7."),
        ("ces", "8", "Please choose a score from 1 to 7."),
        ("nps", "-1", "Please choose a score from 0 to 10."),
        ("nps", "11", "Please choose a score from 0 to 10."),
        ("nps", "4.5", "Please choose a score from 0 to 10."),
        ("nps", "ten", "Please choose a score from 0 to 10."),
        ("nps", "", "Please choose a score."),
    ],
)
def test_a_score_off_the_scale_is_shown_back_next_to_the_field(
    client: FlaskClient, make_invitation: MakeInvitation, kind: str, score: str, message: str
) -> None:
    _, token = make_invitation(kind)

    result = answer(client, token, score, "kept")

    assert result.status_code == 422
    assert f'<p class="field-error" id="score-error">{message}</p>' in result.text
    assert 'aria-invalid="true" aria-describedby="score-error"' in result.text
    assert "kept</textarea>" in result.text
    assert responses() == []


def test_a_missing_score_field_is_refused(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation()
    csrf = csrf_from(client.get(f"/s/{token}").text)
    result = client.post(f"/s/{token}", data={"csrf_token": csrf})
    assert result.status_code == 422
    assert "Please choose a score." in result.text
    assert responses() == []


def test_an_overlong_comment_is_refused_not_cut(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation()
    result = answer(client, token, "4", "x" * 5001)
    assert result.status_code == 422
    assert "Please keep your comment under 5000 characters." in result.text
    assert responses() == []


@pytest.mark.parametrize("score", ["11", "-1", "nine", "", "--1", "²", "٣", "9" * 5000])
def test_a_bad_score_in_the_link_is_a_400_showing_the_page_with_nothing_selected(
    client: FlaskClient, make_invitation: MakeInvitation, score: str
) -> None:
    _, token = make_invitation("nps")

    page = client.get(f"/s/{token}?score={score}")

    assert page.status_code == 400
    assert checked_scores(page.text) == []
    assert "data-autosubmit" not in page.text
    assert (
        "That score is not on this survey&#39;s scale. Please choose a score from 0 to 10."
        in page.text
    )
    assert responses() == []


def test_an_unknown_token_is_a_readable_404(client: FlaskClient, app: Any) -> None:
    for result in (client.get("/s/not-a-real-token"), client.post("/s/not-a-real-token")):
        assert result.status_code == 404
        assert "Survey not found" in result.text
        assert "This survey link is not valid." in result.text


def test_a_suppressed_invitation_cannot_be_opened(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    from surveys.invitations import SuppressionReason

    _, token = make_invitation(suppressed=SuppressionReason.THROTTLED)
    assert client.get(f"/s/{token}").status_code == 404


def test_an_invitation_past_its_expiry_is_a_410_and_takes_no_answer(
    client: FlaskClient, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    invitation, token = make_invitation()
    csrf = csrf_from(client.get(f"/s/{token}").text)
    clock.advance(days=30)

    page = client.get(f"/s/{token}")
    post = client.post(f"/s/{token}", data={"csrf_token": csrf, "score": "5"})

    for result in (page, post):
        assert result.status_code == 410
        assert "This survey has expired" in result.text
    assert responses() == []
    assert reload(invitation).status is InvitationStatus.OPENED


def test_an_invitation_marked_expired_is_a_410(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    invitation, token = make_invitation()
    invitation.status = InvitationStatus.EXPIRED
    db.session.commit()
    assert client.get(f"/s/{token}").status_code == 410


def test_the_answer_can_be_changed_within_the_window(
    client: FlaskClient, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    _, token = make_invitation("csat")
    answer(client, token, "2", "Slow")
    created = clock.now
    clock.advance(days=6, hours=23)

    result = answer(client, token, "5", "Sorted out in the end")

    assert result.status_code == 303
    [row] = responses()
    assert (row.score, row.bucket.value, row.comment) == (5, "satisfied", "Sorted out in the end")
    assert (row.created_at, row.updated_at) == (created, clock.now)


def test_a_one_click_link_for_another_score_changes_the_answer(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("nps")
    answer(client, token, "6", "Meh", via="email")
    page = client.get(f"/s/{token}?score=10")
    assert checked_scores(page.text) == ["10"]
    assert "data-autosubmit" in page.text
    assert "Meh</textarea>" in page.text


def test_after_the_window_the_answer_stays_and_a_change_is_refused(
    client: FlaskClient, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    _, token = make_invitation("csat")
    answer(client, token, "2", "Slow")
    csrf = csrf_from(client.get(f"/s/{token}").text)
    created = clock.now
    clock.advance(days=7)

    page = client.get(f"/s/{token}?score=5")
    post = client.post(f"/s/{token}", data={"csrf_token": csrf, "score": "5", "comment": "x"})

    assert page.status_code == 200
    assert "This answer can no longer be changed." in page.text
    assert "Your comment: Slow" in page.text
    assert "<form" not in page.text
    assert post.status_code == 403
    assert "This answer can no longer be changed" in post.text
    [row] = responses()
    assert (row.score, row.comment, row.updated_at) == (2, "Slow", created)


def test_the_edit_window_is_configurable(
    app: Any, client: FlaskClient, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    app.config["EDIT_WINDOW_DAYS"] = 2
    _, token = make_invitation("csat")
    answer(client, token, "2")
    clock.advance(days=1, hours=23)
    assert answer(client, token, "3").status_code == 303
    csrf = csrf_from(client.get(f"/s/{token}").text)
    clock.advance(hours=1)
    assert client.post(f"/s/{token}", data={"csrf_token": csrf, "score": "4"}).status_code == 403
    assert responses()[0].score == 3


def test_an_answer_may_still_be_edited_after_the_invitation_would_have_expired(
    client: FlaskClient, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    _, token = make_invitation("csat")
    clock.advance(days=29)
    answer(client, token, "3")
    clock.advance(days=2)
    assert answer(client, token, "4").status_code == 303
    assert responses()[0].score == 4


def test_the_page_speaks_the_customers_language_and_records_it(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    invitation, token = make_invitation()
    invitation.customer.locale = "fr-CA"
    db.session.commit()
    assert '<html lang="fr">' in client.get(f"/s/{token}").text
    answer(client, token, "4")
    assert responses()[0].locale == "fr"


def test_the_buttons_use_the_survey_accent_with_readable_text(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    invitation, token = make_invitation()
    invitation.survey.accent_color = "#ffd700"
    db.session.commit()
    html = client.get(f"/s/{token}").text
    assert ":root { --accent: #ffd700; --accent-fg: #000000; }" in html


def test_customer_pages_load_nothing_from_elsewhere_and_refuse_framing(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation()
    result = client.get(f"/s/{token}")
    nonce = re.search(r'<style nonce="([^"]+)">', result.text).group(1)
    assert result.headers["Content-Security-Policy"] == (
        f"default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    assert result.headers["X-Frame-Options"] == "DENY"
    assert "http" not in re.sub(r'href="/s/[^"]+"', "", result.text.split("<body", 1)[1])


def test_staff_pages_refuse_framing_too(client: FlaskClient) -> None:
    result = client.get("/login")
    assert "frame-ancestors 'none'" in result.headers["Content-Security-Policy"]
    assert result.headers["X-Frame-Options"] == "DENY"


def test_without_a_followup_question_there_is_no_comment_box_and_edits_keep_the_comment(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    invitation, token = make_invitation("csat")
    answer(client, token, "2", "Slow")
    invitation.survey.followup_question = ""
    db.session.commit()

    page = client.get(f"/s/{token}")
    result = client.post(f"/s/{token}", data={"csrf_token": csrf_from(page.text), "score": "4"})

    assert "<textarea" not in page.text
    assert result.status_code == 303
    assert (responses()[0].score, responses()[0].comment) == (4, "Slow")


def test_the_page_is_translated_for_a_french_customer(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    invitation, token = make_invitation("csat")
    invitation.customer.locale = "fr"
    db.session.commit()
    html = client.get(f"/s/{token}").text
    assert "How satisfied" not in html
    assert "Very unsatisfied" not in html
