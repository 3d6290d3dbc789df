"""The additional questions in real Chromium, on a phone and a desktop screen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, expect

from feedback_app.extensions import db
from feedback_app.models import Invitation
from feedback_app.questions.models import ResponseAnswer
from tests.browser.conftest import fits_the_screen
from tests.helpers import FrozenClock
from tests.questions.asked import add_asked

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_the_questions_follow_the_score_and_are_answered_by_keyboard(
    browser: Browser,
    live_server: str,
    clock: FrozenClock,
    make_invitation: Callable[..., tuple[Invitation, str]],
    width: int,
) -> None:
    asked = add_asked(clock)
    _, token = make_invitation("csat")
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/s/{token}?score=2")

    expect(page.get_by_role("heading", name="A few more questions")).to_be_visible()
    reason = page.get_by_role("group", name="What was the main reason? (required)")
    expect(reason).to_be_visible()
    assert fits_the_screen(page)

    # Keyboard only: into the reason's radios, pick the second, then to the send button.
    reason.get_by_role("radio", name="Too slow").focus()
    page.keyboard.press("ArrowDown")
    expect(reason.get_by_role("radio", name="Not solved")).to_be_checked()
    page.get_by_role("textbox", name="One word for us? (optional)").fill("Waiting")
    page.get_by_role("group", name="Rate our website (optional)").get_by_role(
        "radio", name="4"
    ).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Send my answers").press("Enter")

    expect(page.get_by_role("button", name="Update my answers")).to_be_visible()
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ResponseAnswer).order_by(ResponseAnswer.id)).all()
    assert [(row.choice_id, row.text, row.rating) for row in rows] == [
        (asked.choice(asked.reason, "Not solved"), None, None),
        (None, "Waiting", None),
        (None, None, 4),
    ]
    context.close()
