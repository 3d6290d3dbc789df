"""The survey as customers meet it, in real Chromium on a phone-sized screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation, Response, Survey
from feedback_app.services.surveys import survey_for_kind
from surveys.identity import sign_identity
from surveys.kinds import SurveyKind
from tests.browser.conftest import fits_the_screen
from tests.browser.sites import host_page
from tests.helpers import FrozenClock

pytestmark = pytest.mark.browser

MakeInvitation = Callable[..., tuple[Invitation, str]]


def saved() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Response).order_by(Response.id)))


def test_a_score_link_is_saved_without_a_click(
    page: Page, live_server: str, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("nps")

    page.goto(f"{live_server}/s/{token}?score=9")

    expect(page.get_by_role("heading", name="Thank you for your feedback!")).to_be_visible()
    expect(page.get_by_role("radio", name="9", exact=True)).to_be_checked()
    [row] = saved()
    assert (row.score, row.bucket.value, row.source) == (9, "promoter", "email")
    assert fits_the_screen(page)


def test_the_survey_can_be_answered_with_the_keyboard_alone(
    page: Page, live_server: str, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    page.goto(f"{live_server}/s/{token}")

    page.keyboard.press("Tab")
    lowest = page.get_by_role("radio", name="1 Very unsatisfied")
    expect(lowest).to_be_focused()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('label[for=score-1]')).outlineStyle")
        == "solid"
    )
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name="4", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("What is the main reason for your score?")).to_be_focused()
    page.keyboard.type("Quick answer")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Thank you for your feedback!")).to_be_visible()
    [row] = saved()
    assert (row.score, row.comment, row.source) == (4, "Quick answer", "page")


def embed_snippet(live_server: str, survey: Survey, customer: str, clock: FrozenClock) -> str:
    """The snippet as the README says to write it, signed by the host's back end now."""
    issued_at = str(int(clock.now.timestamp()))
    signature = sign_identity(survey.embed_secret, customer, issued_at)
    return (
        f'<script src="{live_server}/embed.js" data-survey="{survey.public_key}" '
        f'data-customer="{customer}" data-issued-at="{issued_at}" '
        f'data-signature="{signature}"></script>'
    )


def test_the_embed_answers_inside_an_allowed_site(
    page: Page,
    live_server: str,
    serve: Callable[..., str],
    app: Any,
    clock: FrozenClock,
) -> None:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    host = serve(host_page(embed_snippet(live_server, survey, "casey@example.com", clock)))
    survey.allowed_origins = host
    db.session.commit()

    page.goto(f"{host}/")
    widget = page.frame_locator("iframe[title='Feedback survey']")
    widget.locator("label[for=score-5]").tap()
    widget.get_by_label("What is the main reason for your score?").fill("Lovely")
    widget.get_by_role("button", name="Send").click()

    expect(widget.get_by_text("Thank you for your feedback!")).to_be_visible()
    expect(page.locator("iframe")).to_have_attribute("style", re.compile(r"height: \d+px"))
    [row] = saved()
    customer = db.session.get(Customer, row.customer_id)
    assert (row.score, row.comment, row.source, customer.email) == (
        5,
        "Lovely",
        "embed",
        "casey@example.com",
    )


def test_a_site_that_is_not_allowed_cannot_frame_the_embed(
    page: Page,
    live_server: str,
    serve: Callable[..., str],
    app: Any,
    clock: FrozenClock,
) -> None:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    survey.allowed_origins = "https://help.example.com"
    db.session.commit()
    host = serve(host_page(embed_snippet(live_server, survey, "casey@example.com", clock)))

    with page.expect_console_message(lambda message: "frame-ancestors" in message.text):
        page.goto(f"{host}/")

    expect(page.frame_locator("iframe").get_by_role("button", name="Send")).to_have_count(0)
    assert saved() == []


def test_an_answer_posted_from_another_sites_page_is_refused(
    page: Page,
    live_server: str,
    serve: Callable[..., str],
    app: Any,
    clock: FrozenClock,
) -> None:
    """A page elsewhere holds a genuine form token (fetched by its server as the widget would
    be) and posts it: the browser says where the post comes from, and nothing is saved."""
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    survey.allowed_origins = "https://help.example.com"
    db.session.commit()
    address = f"{live_server}/embed/{survey.public_key}?origin=https://help.example.com"
    widget = app.test_client().get(address)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', widget.text)
    assert token is not None
    form = (
        f'<form method="post" action="{address}"><input name="score" value="1">'
        f'<input name="form_token" value="{token.group(1)}"><button>Win a prize</button></form>'
    )
    attacker = serve(host_page(form))

    page.goto(f"{attacker}/")
    page.get_by_role("button", name="Win a prize").click()

    expect(page.get_by_text("Answers are only taken from the survey itself.")).to_be_visible()
    assert saved() == []
