"""The survey page and email measured in Chromium at 390 px (a phone) and 1280 px: 44 px
targets, the 0-10 scale's rows, right-to-left text, the comment's counter, and what the page
says without JavaScript or after its session ended."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from feedback_app.extensions import db
from feedback_app.models import Invitation, Response
from feedback_app.services.emails import survey_email
from tests.browser.conftest import PHONE, fits_the_screen

pytestmark = pytest.mark.browser

MakeInvitation = Callable[..., tuple[Invitation, str]]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
ARABIC_QUESTION = "ما مدى احتمال أن توصي بنا لصديق؟"

#: Each score button's box, in the order of the page.
BOXES = """[...document.querySelectorAll('.points label')].map(label => {
  const box = label.getBoundingClientRect();
  return {text: label.firstChild.textContent.trim(), x: box.x, y: box.y,
          width: box.width, height: box.height};
})"""


@pytest.fixture(params=["phone", "desktop"])
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh tab at 390 px (a phone, touch) and at 1280 px."""
    context = browser.new_context(**(PHONE if request.param == "phone" else DESKTOP))
    yield context.new_page()
    context.close()


def saved() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Response).order_by(Response.id)))


def rows(boxes: list[dict[str, Any]]) -> list[list[str]]:
    """The buttons' labels row by row, top to bottom, each row in reading order (left to right)."""
    by_top: dict[int, list[dict[str, Any]]] = {}
    for box in boxes:
        by_top.setdefault(round(box["y"]), []).append(box)
    return [
        [box["text"] for box in sorted(by_top[top], key=lambda b: b["x"])] for top in sorted(by_top)
    ]


@pytest.mark.parametrize("kind", ["csat", "ces", "nps"])
def test_every_score_is_a_44_px_target_and_0_to_10_wraps_only_on_a_phone(
    screen: Page, live_server: str, make_invitation: MakeInvitation, kind: str
) -> None:
    _, token = make_invitation(kind)
    screen.goto(f"{live_server}/s/{token}")

    boxes = screen.evaluate(BOXES)
    send = screen.get_by_role("button", name="Send").bounding_box()

    assert [box for box in boxes if box["width"] < 44 or box["height"] < 44] == []
    assert send is not None and send["height"] >= 44
    phone = screen.viewport_size == PHONE["viewport"]
    expected = {
        "csat": [["1", "2", "3", "4", "5"]],
        "ces": [["1", "2", "3", "4", "5", "6", "7"]],
        "nps": (
            [["0", "1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"]]
            if phone
            else [[str(n) for n in range(11)]]
        ),
    }[kind]
    assert rows(boxes) == expected
    assert fits_the_screen(screen)


def test_the_emails_score_buttons_are_at_least_44_px_tall(
    screen: Page, app: Any, make_invitation: MakeInvitation
) -> None:
    invitation, _ = make_invitation("nps")
    screen.set_content(survey_email(invitation).html)

    heights = screen.evaluate(
        "[...document.querySelectorAll('a[href*=\"?score=\"]')]"
        ".map(a => a.getBoundingClientRect().height)"
    )

    assert len(heights) == 11
    assert min(heights) >= 44


def test_an_arabic_survey_reads_right_to_left_on_a_phone(
    page: Page, live_server: str, make_invitation: MakeInvitation
) -> None:
    invitation, token = make_invitation("nps")
    invitation.survey.texts = {
        **invitation.survey.texts,
        "question": {**invitation.survey.texts["question"], "ar": ARABIC_QUESTION},
        "followup_question": {"ar": "ما السبب الرئيسي لتقييمك؟"},
    }
    invitation.customer.locale = "ar"
    db.session.commit()

    page.goto(f"{live_server}/s/{token}")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.get_by_role("heading", name=ARABIC_QUESTION)).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('.question')).direction") == "rtl"
    # Right to left: 0 starts the first row at the right, 6 the second.
    assert rows(page.evaluate(BOXES)) == [
        ["5", "4", "3", "2", "1", "0"],
        ["10", "9", "8", "7", "6"],
    ]
    assert fits_the_screen(page)
    page.locator("label[for=score-9]").tap()
    page.get_by_label("ما السبب الرئيسي لتقييمك؟").fill("خدمة ممتازة")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you for your feedback!")).to_be_visible()
    [row] = saved()
    assert (row.score, row.comment) == (9, "خدمة ممتازة")


def test_the_comment_counts_the_characters_left(
    screen: Page, live_server: str, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    screen.goto(f"{live_server}/s/{token}")
    counter = screen.locator("#comment-counter")
    expect(counter).to_have_text("5000 of 5000 characters left")

    screen.get_by_label("What is the main reason for your score?").fill("Quick and kind")

    expect(counter).to_have_text("4986 of 5000 characters left")


def test_without_javascript_a_score_link_says_to_press_the_button(
    browser: Browser, live_server: str, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("nps")
    context = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/s/{token}?score=9")

        expect(
            page.get_by_text("You chose 9. It is not saved yet: press “Send” below to save it.")
        ).to_be_visible()
        expect(page.locator("#comment-counter")).to_have_text("Up to 5000 characters.")
        assert saved() == []
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("heading", name="Thank you for your feedback!")).to_be_visible()
    finally:
        context.close()
    [row] = saved()
    assert (row.score, row.source) == (9, "email")


def test_a_comment_typed_before_the_session_ended_is_kept_and_saved(
    page: Page, live_server: str, make_invitation: MakeInvitation
) -> None:
    _, token = make_invitation("csat")
    page.goto(f"{live_server}/s/{token}")
    page.locator("label[for=score-2]").tap()
    box = page.get_by_label("What is the main reason for your score?")
    box.fill("Waited an hour on the phone")
    page.context.clear_cookies()

    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("alert")).to_have_text(
        "This page was open for a long time, so your answer is not saved yet. "
        "Please check it and press the button again."
    )
    expect(box).to_have_value("Waited an hour on the phone")
    expect(page.get_by_role("radio", name="2", exact=True)).to_be_checked()
    assert saved() == []
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you for your feedback!")).to_be_visible()
    [row] = saved()
    assert (row.score, row.comment) == (2, "Waited an hour on the phone")
