"""What the survey page says about what happens: a score chosen but not yet saved, an edit
saved, the limit of the comment; and the survey's branding on its expired and unsubscribe
pages."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Invitation
from tests.helpers import FrozenClock, csrf_from

MakeInvitation = Callable[..., tuple[Invitation, str]]
COMPANY = '<main id="main">\n    <p class="company">Garden &amp; Co</p>'


def branded(make_invitation: MakeInvitation) -> tuple[Invitation, str]:
    invitation, token = make_invitation("nps")
    invitation.survey.company_name = "Garden & Co"
    invitation.survey.accent_color = "#aa3300"
    db.session.commit()
    return invitation, token


def test_a_one_click_link_says_the_score_is_chosen_and_the_button_saves_it(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("nps")

    page = client.get(f"/s/{token}?score=9").text

    assert (
        '<p class="chosen" data-chosen>You chose 9. It is not saved yet: press “Send” below to '
        "save it.</p>"
    ) in page
    assert 'id="score-9" value="9" checked>' in page
    assert "data-chosen" not in client.get(f"/s/{token}").text


def test_an_edit_says_the_answer_was_updated_once(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    first = client.post(
        f"/s/{token}",
        data={"csrf_token": csrf_from(client.get(f"/s/{token}").text), "score": "2"},
        follow_redirects=True,
    )
    edited = client.post(
        f"/s/{token}",
        data={"csrf_token": csrf_from(first.text), "score": "4", "comment": "Better now"},
        follow_redirects=True,
    )

    updated = '<p class="updated" role="status">Your answer was updated.</p>'
    assert updated not in first.text
    assert updated in edited.text
    assert updated not in client.get(f"/s/{token}").text


def test_the_comment_states_its_limit_and_reads_in_either_direction(
    client: FlaskClient, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")

    page = client.get(f"/s/{token}").text

    assert (
        '<textarea aria-describedby="comment-counter" dir="auto" id="comment" maxlength="5000" '
        'name="comment" rows="3">'
    ) in page
    assert (
        '<p class="counter" id="comment-counter"\n'
        '       data-left="{left} of 5000 characters left">Up to 5000 characters.</p>'
    ) in page
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page


def test_the_expired_and_unsubscribe_pages_keep_the_surveys_branding(
    client: FlaskClient, make_invitation: MakeInvitation, clock: FrozenClock
) -> None:
    _, token = branded(make_invitation)
    _, late = make_invitation("nps", email="late@example.com")
    unsubscribe = client.get(f"/u/{token}").text
    unsubscribed = client.post(f"/u/{token}", data={"scope": "kind"}).text
    clock.advance(days=31)
    expired = client.get(f"/s/{late}")

    assert expired.status_code == 410
    for page in (expired.text, unsubscribe, unsubscribed):
        assert COMPANY in page
        assert ":root { --accent: #aa3300; --accent-fg: #ffffff; }" in page
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    with client.get("/static/favicon.svg") as icon:
        assert (icon.status_code, icon.mimetype) == (200, "image/svg+xml")
