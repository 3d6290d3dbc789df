"""The unsubscribes page at its fullest, in Chromium on a phone and on a desktop: long
addresses, names and reasons wrap or scroll in the table's box, and the page never scrolls
sideways, searched or not, with its form showing an error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from feedback_app.extensions import db
from feedback_app.models import Customer, User
from feedback_app.services.suppression import revoke_unsubscribe, unsubscribe
from tests.browser.conftest import PHONE, sign_in_as
from tests.browser.test_staff_layout import DESKTOP, OVERFLOW
from tests.conftest import TEST_PASSWORD
from tests.helpers import FrozenClock

pytestmark = pytest.mark.browser

#: An address at the longest a local part may be, on a long domain.
LOCAL = "l" * 64
DOMAIN = "very-long-subdomain-" * 5 + "example.com"
#: Reasons at the longest kept, without a space.
REASON = "Unbroken" * 62 + "Xxxx"
#: More than a page of rows.
ROWS = 30


def test_the_unsubscribes_page_is_never_wider_than_the_screen(
    live_server: str, browser: Browser, clock: FrozenClock, make_user: Callable[..., User]
) -> None:
    admin = make_user("a" * 60 + "@" + DOMAIN, role="admin")
    for number in range(ROWS):
        customer = Customer(
            email=f"{LOCAL}@{number:02d}.{DOMAIN}",
            name="N" * 200,
            created_at=clock.now,
            updated_at=clock.now,
        )
        when = clock.now - timedelta(minutes=number)
        record, _ = unsubscribe(customer, None, "admin", when, reason=REASON)
        if number % 2:
            revoke_unsubscribe(record, admin.email, REASON, clock.now)
    db.session.commit()
    assert len(REASON) == 500

    wide = {}
    for screen, settings in {"phone": PHONE, "desktop": DESKTOP}.items():
        context = browser.new_context(**settings)
        tab = context.new_page()
        sign_in_as(tab, live_server, admin.email, TEST_PASSWORD)

        tab.goto(f"{live_server}/admin/unsubscribes")
        expect(tab.locator("tbody tr")).to_have_count(25)
        expect(tab.get_by_text("Page 1 of 2 (30 in all)")).to_be_visible()
        wide[f"{screen}, all"] = tab.evaluate(OVERFLOW)

        tab.get_by_label("Search by email or name").fill(f"@03.{DOMAIN}")
        tab.get_by_role("button", name="Search").click()
        expect(tab.locator("tbody tr")).to_have_count(1)
        expect(tab.locator("tbody")).to_contain_text(REASON)
        wide[f"{screen}, searched"] = tab.evaluate(OVERFLOW)

        tab.get_by_label("Email", exact=True).fill("n" * 300)
        tab.get_by_label("Reason").fill(REASON)
        tab.get_by_role("button", name="Unsubscribe").click()
        expect(tab.locator("#email-error")).to_contain_text("Not a valid email address")
        wide[f"{screen}, refused"] = tab.evaluate(OVERFLOW)
        # The form's fields are spaced apart (the page loads no stylesheet but the app's).
        spacing = tab.get_by_label("Reason").evaluate(
            "input => getComputedStyle(input.closest('.field')).marginBottom"
        )
        assert spacing == "12px"
        context.close()

    assert {
        seen: layout for seen, layout in wide.items() if layout["beyond"] > 0 or layout["out"]
    } == {}
