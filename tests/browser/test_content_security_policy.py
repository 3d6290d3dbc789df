"""The Content-Security-Policy in real Chromium: every page keeps working under it, none breaks
it, and the embed is framed by its survey's allowed origins only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import ConsoleMessage, Page, expect
from playwright.sync_api import Response as PageResponse

from feedback_app.extensions import db
from feedback_app.models import Invitation, Response, Unsubscribe
from feedback_app.services.followups import case_for_resurvey
from feedback_app.services.invitations import token_for
from feedback_app.web.guards.limits import CUSTOMER_BLUEPRINTS
from tests.browser.sites import host_page
from tests.every_page import EMAILS, PASSWORDS, Site, seed_site
from tests.helpers import FrozenClock

pytestmark = pytest.mark.browser

#: Runs in every frame before the page's own scripts: a violation becomes a console error.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""
#: Staff routes that are not pages a browser shows (JSON, downloads, files), and the mail
#: preview, which is seen in its page's frame (no script runs in it, not even the test's).
NOT_PAGES = (
    "api.",
    "delighted.",
    "health.",
    "static",
    "embed.script",
    "dashboard.export_",
    "audit.export",
    "mailbox.html_part",
    "previews.email",
)


class Watched:
    """A tab whose console errors, uncaught exceptions and CSP violations are all kept."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        # The browser asks every site for an icon; this one has none, which is no error of ours.
        if message.type == "error" and not url.endswith("/favicon.ico"):
            self.problems.append(f"{message.text} ({url})")

    def visit(self, url: str) -> PageResponse:
        """Open ``url``; fails on any problem but the page's own error status, if it has one."""
        start = len(self.problems)
        response = self.page.goto(url)
        assert response is not None
        # One more turn of the page's event loop, so every violation event has been reported.
        self.page.evaluate("() => new Promise((resolve) => setTimeout(resolve))")
        own_status = f"the server responded with a status of {response.status}"
        problems = [
            problem
            for problem in self.problems[start:]
            if not (response.status >= 400 and own_status in problem and f"({url})" in problem)
        ]
        assert problems == [], url
        return response


@pytest.fixture
def site(app: Flask, clock: FrozenClock) -> Site:
    return seed_site(clock.now)


@pytest.fixture
def watched(page: Page) -> Watched:
    return Watched(page)


def log_in(watched: Watched, live_server: str, role: str) -> None:
    watched.visit(f"{live_server}/login")
    watched.page.get_by_label("Email").fill(EMAILS[role])
    watched.page.get_by_label("Password").fill(PASSWORDS[role])
    watched.page.get_by_role("button", name="Log in").click()
    expect(watched.page.get_by_role("button", name="Log out")).to_be_visible()


def saved() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Response).order_by(Response.id)))


def answers_to(invitation: Invitation) -> list[Response]:
    return [row for row in saved() if row.invitation_id == invitation.id]


def assert_strict_policy(response: PageResponse) -> None:
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; script-src 'self'; style-src 'self'"), policy


@pytest.mark.parametrize("role", ["admin", "manager", "agent"])
def test_every_staff_page_works_under_the_policy(
    app: Flask, live_server: str, watched: Watched, site: Site, role: str
) -> None:
    log_in(watched, live_server, role)
    pages = {
        endpoint: url
        for endpoint, url in site.urls(app).items()
        if endpoint.split(".")[0] not in CUSTOMER_BLUEPRINTS and not endpoint.startswith(NOT_PAGES)
    }
    assert {"dashboard.index", "themes.index", "followups.case_page", "mailbox.message"} <= set(
        pages
    )
    for endpoint, url in sorted(pages.items()):
        response = watched.visit(live_server + url)
        assert_strict_policy(response)
        allowed = (200,) if role == "admin" else (200, 403)
        assert response.status in allowed, (endpoint, response.status)


def test_the_dashboard_chart_and_filters_work_under_the_policy(
    live_server: str, watched: Watched, site: Site
) -> None:
    log_in(watched, live_server, "manager")
    watched.visit(f"{live_server}/dashboard")
    expect(watched.page.locator(".chart circle.point").first).to_be_visible()

    watched.page.get_by_label("Survey kind").select_option("nps")
    watched.page.get_by_role("button", name="Show").click()

    expect(watched.page).to_have_url(
        f"{live_server}/dashboard?kind=nps&since=2026-02-01&until=2026-03-02&interval=week"
        "&group_by=channel&support_by=channel&property="
    )
    expect(watched.page.get_by_role("heading", name="NPS by week")).to_be_visible()
    expect(watched.page.locator(".chart svg.chart-plot")).to_be_visible()
    assert watched.problems == []


def test_the_mail_preview_shows_the_emails_own_styles(
    live_server: str, watched: Watched, site: Site
) -> None:
    log_in(watched, live_server, "admin")
    watched.visit(f"{live_server}/dev/mailbox/{site.arguments['message_id']}")
    preview = watched.page.frame_locator("iframe[title='HTML part of the email']")
    expect(preview.locator("body")).to_have_css("background-color", "rgb(244, 245, 247)")
    expect(watched.page.locator("iframe.mail-preview")).to_have_css("height", "640px")


def test_every_customer_page_works_under_the_policy(
    live_server: str, watched: Watched, site: Site
) -> None:
    # The demo's customers answer in English or French: the page's own classes are read.
    page = watched.page
    invitation = site.open_invitation
    token = token_for(invitation)
    assert_strict_policy(watched.visit(f"{live_server}/s/{token}"))
    expect(page.locator("form.answer button.send")).to_be_visible()

    # The one-click link of the email: the page's script sends the score at once.
    watched.visit(f"{live_server}/s/{token}?score=2")
    expect(page.locator("section.thanks")).to_be_visible()
    assert [(row.score, row.source) for row in answers_to(invitation)] == [(2, "email")]
    # The thanks page, where the answer may still be changed.
    page.locator("label[for=score-4]").click()
    page.locator("form.answer button.send").click()
    expect(page.locator("section.thanks")).to_be_visible()
    assert [(row.score, row.source) for row in answers_to(invitation)] == [(4, "email")]

    watched.visit(f"{live_server}/s/{token_for(site.answered_invitation)}")
    expect(page.locator("section.thanks")).to_be_visible()

    watched.visit(f"{live_server}{site.recovery_path}?answer=yes")
    page.locator("button[name=yes]").click()
    expect(page.locator(".message h1")).to_be_visible()
    db.session.expire_all()
    case = case_for_resurvey(site.recovery_path.removeprefix("/r/"))
    assert case is not None and case.recovered is True

    watched.visit(f"{live_server}/u/{token}")
    page.locator("button.send").click()
    expect(page.locator(".message h1")).to_be_visible()
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(Unsubscribe.source).where(Unsubscribe.customer_id == invitation.customer_id)
        )
        == "link"
    )

    response = watched.visit(f"{live_server}/s/not-a-token")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Survey not found")).to_be_visible()
    assert watched.problems[-1:] == [
        "Failed to load resource: the server responded with a status of 404 (NOT FOUND) "
        f"({live_server}/s/not-a-token)"
    ]


def test_the_embed_works_from_an_allowed_origin_only(
    live_server: str, serve: Callable[..., str], watched: Watched, site: Site
) -> None:
    snippet = (
        f'<script src="{live_server}/embed.js" data-survey="{site.survey.public_key}"></script>'
    )
    allowed = serve(host_page(snippet))
    # The same page under another name is another origin, not in the survey's list.
    elsewhere = allowed.replace("127.0.0.1", "localhost")
    site.survey.allowed_origins = allowed
    db.session.commit()
    before = len(saved())

    watched.visit(allowed)
    widget = watched.page.frame_locator("iframe[title='Feedback survey']")
    widget.locator("label[for=score-5]").click()
    widget.get_by_role("button", name="Send").click()
    expect(widget.get_by_text("Thank you for your feedback!")).to_be_visible()
    [answer] = saved()[before:]
    assert (answer.score, answer.source) == (5, "embed")

    with watched.page.expect_console_message(lambda message: "frame-ancestors" in message.text):
        watched.page.goto(elsewhere)
    expect(watched.page.get_by_role("heading", name="Help centre")).to_be_visible()
    expect(widget.locator("form")).to_have_count(0)
    expect(widget.locator("body")).not_to_contain_text("How")
    assert len(saved()) == before + 1
