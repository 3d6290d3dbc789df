"""An answer sent while the database is out of reach, in real Chromium: the page keeps it and
sends it again by itself once the database is back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from feedback_app.extensions import db
from feedback_app.models import Invitation
from tests.outage import Outage, stored_answers

pytestmark = pytest.mark.browser


def test_the_page_sends_a_kept_answer_again_by_itself(
    outage: Outage,
    page: Page,
    live_server: str,
    database_url: str,
    make_invitation: Callable[..., tuple[Invitation, str]],
) -> None:
    _, token = make_invitation("csat")
    page.goto(f"{live_server}/s/{token}")
    page.locator("label[for=score-4]").tap()
    page.get_by_label("What is the main reason for your score?").fill("Quick answer")

    # The test's own session lets go of its connection: the cut is for the app's.
    db.session.close()
    outage.cut()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Your answer is not saved yet")).to_be_visible()
    expect(page.get_by_text("Your score: 4")).to_be_visible()
    expect(page.get_by_label("Your comment")).to_have_value("Quick answer")
    outage.restore()

    # No click: the page's script sends it again after the wait the server asked for.
    expect(page.get_by_role("heading", name="Thank you for your feedback!")).to_be_visible(
        timeout=20_000
    )
    assert stored_answers(database_url) == [(4, "Quick answer")]
