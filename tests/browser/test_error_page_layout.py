"""The staff 404 page in Chromium on a phone and on a desktop: the navigation is there, the
way back works, and nothing scrolls sideways, even for an address without a space."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from feedback_app.models import User
from tests.browser.conftest import PHONE, sign_in_as
from tests.browser.test_staff_layout import DESKTOP, OVERFLOW
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

UNKNOWN = "/no-such-page-" + "x" * 300


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_the_404_page_has_the_navigation_and_fits_the_screen(
    screen: dict[str, Any], browser: Browser, live_server: str, make_user: Callable[..., User]
) -> None:
    admin = make_user("admin@example.com", role="admin")
    context = browser.new_context(**screen)
    tab = context.new_page()
    sign_in_as(tab, live_server, admin.email, TEST_PASSWORD)

    response = tab.goto(live_server + UNKNOWN, referer=f"{live_server}/admin/surveys/")

    assert response is not None and response.status == 404
    expect(tab.get_by_role("heading", level=1)).to_have_text("Page not found")
    navigation = tab.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Audit log")).to_be_visible()
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    back = tab.get_by_role("link", name="Go back")
    assert back.bounding_box()["height"] >= 44  # type: ignore[index]
    back.click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Surveys")
    context.close()
