"""The connector's page in Chromium: usable on a phone and a desktop, the copy button working."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, expect

from feedback_app.connectors.setup import create_connector
from feedback_app.extensions import db
from feedback_app.models import User
from tests.browser.conftest import fits_the_screen, sign_in_as
from tests.conftest import TEST_PASSWORD
from tests.helpers import FrozenClock

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1280])
def test_the_set_up_guide_fits_the_screen_and_copies_the_body(
    width: int,
    browser: Browser,
    live_server: str,
    make_user: Callable[..., User],
    clock: FrozenClock,
) -> None:
    admin = make_user("admin@example.com", role="admin")
    connector = create_connector("zendesk", "Zendesk", clock.now, secret="zendesk-secret-1")
    db.session.commit()
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda answer: failed.append(answer.url) if answer.status >= 400 else None)
    sign_in_as(page, live_server, admin.email, TEST_PASSWORD)
    page.goto(f"{live_server}/admin/connectors/{connector.id}")

    expect(page.get_by_role("heading", name="Set up Zendesk")).to_be_visible()
    assert fits_the_screen(page)
    button = page.get_by_role("button", name="Copy json body")
    expect(button).to_be_visible()
    button.focus()
    page.keyboard.press("Enter")
    status = page.locator("#body-status")
    expect(status).to_have_text("Copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith('{\n  "external_id": "{{ticket.id}}"')
    # Nothing the page loads fails (the browser's own favicon request aside).
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    context.close()
