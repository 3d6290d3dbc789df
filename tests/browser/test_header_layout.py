"""The staff header on a phone with a long address: the address wraps, and the Password and
Log out links keep their words on one line beside or under it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser

from feedback_app.models import User
from tests.browser.conftest import PHONE, sign_in_as
from tests.browser.test_staff_layout import OVERFLOW
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

LONG_EMAIL = "a" * 60 + "@" + "support-team-of-a-company-with-a-long-name" * 3 + ".example.com"


def test_a_long_address_does_not_squeeze_the_account_links(
    browser: Browser, live_server: str, make_user: Callable[..., User]
) -> None:
    admin = make_user(LONG_EMAIL, role="admin")
    context = browser.new_context(**PHONE)
    tab = context.new_page()
    sign_in_as(tab, live_server, admin.email, TEST_PASSWORD)
    line = tab.evaluate("() => parseFloat(getComputedStyle(document.body).lineHeight) || 24")
    for name in ("Password", "Log out"):
        control = tab.locator(".logout").get_by_role(
            "button" if name == "Log out" else "link", name=name
        )
        box = control.bounding_box()
        assert box is not None
        # One line of text, not a letter a line.
        assert box["height"] < 2 * line, (name, box)
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    context.close()
