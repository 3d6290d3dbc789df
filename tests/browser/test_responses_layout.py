"""The staff responses list with real-sized data, in Chromium on a phone and on a desktop:
its filter form, its rows and its pages fit the screen; only its table scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from werkzeug.security import generate_password_hash

from feedback_app.extensions import db
from feedback_app.models import Agent, Team, User
from tests.browser.test_staff_layout import (
    COMMENT,
    NAME,
    OVERFLOW,
    ROWS,
    SCREENS,
    add_long_rows,
    sign_in,
)
from tests.every_page import EMAILS, PASSWORDS
from tests.helpers import FrozenClock, TestNames

pytestmark = pytest.mark.browser
#: A row's link to its follow-up case.
CASE = re.compile(r"^Case \d+$")

#: How far the table's own box scrolls sideways, and how wide the box is.
TABLE_SCROLL = """
() => {
  const box = document.querySelector(".table-scroll");
  return {scrolls: box.scrollWidth - box.clientWidth, width: box.clientWidth};
}
"""


@pytest.fixture
def long_rows(
    app: Flask, clock: FrozenClock, dns: TestNames, make_user: Callable[..., User]
) -> None:
    """A manager, and ``ROWS`` responses with 5,000-character comments without a space, from
    customers and by an agent and a team with 200-character names, each with its case."""
    manager = make_user(EMAILS["manager"], "manager")
    manager.password_hash = generate_password_hash(PASSWORDS["manager"], method="pbkdf2:sha256:1")
    db.session.add(Agent(email=EMAILS["agent"], name="agent", team=Team(name="T" * 200)))
    db.session.commit()
    add_long_rows(clock.now, dns)


@pytest.mark.usefixtures("long_rows")
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_the_responses_list_fits_the_screen_and_pages_with_its_filters(
    live_server: str, browser: Browser, screen: str
) -> None:
    context = browser.new_context(**SCREENS[screen])
    tab = context.new_page()
    sign_in(tab, live_server, "manager")
    tab.goto(f"{live_server}/dashboard/responses")
    tab.get_by_label("Search comments").fill("unbroken")
    tab.get_by_label("Score").fill("1-2")
    tab.get_by_label("Comment", exact=True).select_option(label="With a comment")
    tab.get_by_role("button", name="Show").click()
    expect(tab.get_by_text(f"Page 1 of 2 ({ROWS} in all)")).to_be_visible()
    main = tab.locator("main").inner_text()
    assert COMMENT in main and NAME in main
    assert tab.locator("tbody tr").count() == 25
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    table = tab.evaluate(TABLE_SCROLL)
    if screen == "phone":
        assert table["width"] <= 390 and table["scrolls"] > 0
    assert tab.get_by_role("link", name=CASE).count() == 25
    tab.get_by_role("link", name="Next").click()
    expect(tab.get_by_text(f"Page 2 of 2 ({ROWS} in all)")).to_be_visible()
    assert tab.locator("tbody tr").count() == ROWS - 25
    expect(tab.get_by_label("Search comments")).to_have_value("unbroken")
    expect(tab.get_by_label("Score")).to_have_value("1-2")
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    tab.get_by_role("link", name=CASE).first.click()
    expect(tab).to_have_url(re.compile(r"/followups/\d+$"))
    context.close()
