"""The comment themes page in Chromium: long comments fit a phone and a desktop, and a theme
is pinned with the keyboard."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from feedback_app.models import Invitation, User
from feedback_app.services.settling import settle_answers
from feedback_app.themes.service import compute_due_themes
from tests.browser.conftest import fits_the_screen, sign_in_as
from tests.conftest import TEST_PASSWORD
from tests.helpers import FrozenClock, store_answer

pytestmark = pytest.mark.browser

LONG = (
    "Le personnel était aimable mais le temps d'attente interminable était vraiment trop long, "
    * 12
)
UNBROKEN = "https://example.com/" + "tres-long-chemin-sans-espace-" * 12
COMMENTS = [
    (1, "Attente interminable. " + LONG),
    (2, "Attente interminable, " + UNBROKEN),
    (5, "Personnel aimable, attente interminable"),
    (4, "Personnel aimable et souriant"),
]


@pytest.mark.parametrize("width", [390, 1280])
def test_long_comments_fit_the_screen_and_a_theme_is_pinned_from_the_keyboard(
    width: int,
    app: Flask,
    browser: Browser,
    live_server: str,
    make_user: Callable[..., User],
    make_invitation: Callable[..., tuple[Invitation, str]],
    clock: FrozenClock,
) -> None:
    manager = make_user("manager@example.com", role="manager")
    for number, (score, text) in enumerate(COMMENTS):
        invitation, _ = make_invitation("csat", email=f"client{number}@example.com")
        store_answer(invitation, score, clock.now, text)
    settle_answers()
    compute_due_themes(clock.now)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda answer: failed.append(answer.url) if answer.status >= 400 else None)
    sign_in_as(page, live_server, manager.email, TEST_PASSWORD)
    page.goto(f"{live_server}/dashboard/themes")

    expect(page.get_by_role("heading", name="Comment themes")).to_be_visible()
    theme = page.get_by_role("heading", name="attente interminable")
    expect(theme).to_be_visible()
    assert fits_the_screen(page)
    expect(
        page.get_by_role("link", name="All 3 comments mentioning “attente interminable”")
    ).to_be_visible()
    pin = page.get_by_role("button", name="Pin “attente interminable” as a tag")
    pin.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("“attente interminable” is pinned")).to_be_visible()
    expect(page.get_by_role("button", name="Unpin “attente interminable”")).to_be_visible()
    assert fits_the_screen(page)
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    context.close()
