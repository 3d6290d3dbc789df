"""The account pages in Chromium at a phone's and a desktop's width, with real-sized data:
many users, a 200-character name without a space, a team named as long. No page scrolls
sideways; an invitation is sent, and set up, through the forms."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from feedback_app.accounts import teams
from feedback_app.extensions import db
from feedback_app.models import MailboxMessage, Team, User
from feedback_app.services.outbox import deliver_outbox
from tests.accounts.conftest import link_in
from tests.browser.conftest import fits_the_screen, sign_in_as
from tests.conftest import TEST_PASSWORD
from tests.helpers import FrozenClock

pytestmark = pytest.mark.browser

LONG_NAME = "N" * 200


def fits(page: Page) -> None:
    """The page does not scroll sideways."""
    assert fits_the_screen(page), f"{page.url} scrolls sideways"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_account_pages_fit_the_screen_with_real_sized_data(
    width: int,
    browser: Browser,
    live_server: str,
    make_user: Callable[..., User],
    clock: FrozenClock,
) -> None:
    admin = make_user("admin@example.com", role="admin")
    for number in range(60):
        make_user(f"agent{number:02}@example.com", role="agent")
    long = make_user("long.name@example.com", role="manager")
    long.name = LONG_NAME
    team = Team(name="T" * 200, manager_id=long.id)
    db.session.add(team)
    db.session.commit()
    teams.set_team(long, team, clock.now)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda answer: failed.append(answer.url) if answer.status >= 400 else None)
    sign_in_as(page, live_server, admin.email, TEST_PASSWORD)

    for path in [
        "/admin/users",
        f"/admin/users/{long.id}",
        "/admin/teams",
        f"/admin/teams/{team.id}",
        "/account/password",
    ]:
        page.goto(live_server + path)
        fits(page)
    page.goto(f"{live_server}/admin/users?page=3")
    expect(page.get_by_text("Page 3 of 3 (62 in all)")).to_be_visible()

    page.goto(f"{live_server}/admin/users")
    page.get_by_label("Email").fill("noor@example.com")
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to noor@example.com.")).to_be_visible()
    fits(page)

    deliver_outbox(clock.now)
    mail = db.session.scalar(sa.select(MailboxMessage))
    assert mail is not None
    invitee = browser.new_context(viewport={"width": width, "height": 900})
    setup = invitee.new_page()
    setup.goto(live_server + link_in(mail.text))
    fits(setup)
    setup.get_by_label("Your name").fill(LONG_NAME)
    setup.get_by_label("New password", exact=True).fill("a good password")
    setup.get_by_label("New password again").fill("a different one")
    setup.get_by_role("button", name="Save and sign in").click()
    expect(setup.get_by_text("New password again does not match New password.")).to_be_visible()
    fits(setup)
    setup.get_by_label("New password", exact=True).fill("a good password")
    setup.get_by_label("New password again").fill("a good password")
    setup.get_by_role("button", name="Save and sign in").click()
    expect(setup.get_by_text("Welcome! Your account is ready.")).to_be_visible()
    fits(setup)
    db.session.expire_all()
    noor = db.session.scalar(sa.select(User).where(User.email == "noor@example.com"))
    assert noor is not None and noor.name == LONG_NAME

    for path in ["/login/forgot", "/account/setup/not-a-token"]:
        invitee.clear_cookies()
        setup.goto(live_server + path)
        fits(setup)
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    invitee.close()
    context.close()
