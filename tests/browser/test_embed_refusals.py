"""A refused embed in Chromium: the customer's host page shows no box at all, and the survey's
admin page lists the refusal, on a phone without scrolling sideways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from feedback_app.extensions import db
from feedback_app.models import EmbedRefusal, Survey, User
from feedback_app.services.embed.refusals import record_refusal
from feedback_app.services.surveys import survey_for_kind
from surveys.kinds import SurveyKind
from tests.browser.conftest import fits_the_screen, sign_in_as
from tests.browser.sites import host_page
from tests.conftest import TEST_PASSWORD
from tests.helpers import FrozenClock

pytestmark = pytest.mark.browser


def recorded() -> list[tuple[str, str, int]]:
    db.session.expire_all()
    return [
        (row.problem, row.origin, row.count)
        for row in db.session.scalars(sa.select(EmbedRefusal).order_by(EmbedRefusal.id))
    ]


def snippet(live_server: str, survey: Survey, signature: str = "") -> str:
    signed = (
        f'data-customer="casey@example.com" data-issued-at="1772442000" '
        f'data-signature="{signature}" '
        if signature
        else ""
    )
    return (
        f'<script src="{live_server}/embed.js" data-survey="{survey.public_key}" {signed}></script>'
    )


def test_a_bad_signature_on_an_allowed_site_leaves_no_frame_on_the_page(
    page: Page, live_server: str, serve: Callable[..., str], app: Any, clock: FrozenClock
) -> None:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    host = serve(host_page(snippet(live_server, survey, signature="0" * 64)))
    survey.allowed_origins = host
    db.session.commit()

    with page.expect_response(lambda answer: "/embed/" in answer.url) as widget:
        page.goto(f"{host}/")

    assert widget.value.status == 403
    expect(page.locator("iframe")).to_have_count(0)
    expect(page.get_by_role("heading", name="Help centre")).to_be_visible()
    assert recorded() == [("bad_signature", host, 1)]


def test_a_site_the_survey_does_not_allow_shows_no_empty_box(
    page: Page, live_server: str, serve: Callable[..., str], app: Any, clock: FrozenClock
) -> None:
    """The browser itself refuses to show the frame (``frame-ancestors``), so no script of
    ours runs in it: the loader keeps it hidden, as it does until a widget reports its size."""
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    survey.allowed_origins = "https://help.example.com"
    db.session.commit()
    host = serve(host_page(snippet(live_server, survey)))

    with page.expect_console_message(lambda message: "frame-ancestors" in message.text):
        page.goto(f"{host}/")

    frame = page.locator("iframe")
    expect(frame).to_be_hidden()
    assert frame.evaluate(
        "f => [f.getBoundingClientRect().height, getComputedStyle(f).visibility]"
    ) == [0, "hidden"]
    assert recorded() == [("site_not_allowed", host, 1)]


def test_the_refusals_fit_a_phone_in_their_own_scrolling_box(
    page: Page,
    live_server: str,
    make_user: Callable[..., User],
    clock: FrozenClock,
) -> None:
    admin = make_user("admin@example.com", role="admin")
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    db.session.commit()
    for number in range(25):
        origin = f"https://{'very-long-subdomain-' * 5}{number}.example"
        record_refusal(
            survey, "site_not_allowed", origin, "not in the allowed embed origins", clock.now
        )
    sign_in_as(page, live_server, admin.email, TEST_PASSWORD)

    page.goto(f"{live_server}/admin/surveys/{survey.id}#embed")

    box = page.get_by_role("region", name="Refused embeds")
    expect(box.locator("tbody tr")).to_have_count(20)
    assert fits_the_screen(page)
