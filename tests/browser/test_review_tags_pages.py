"""The review tag lists in Chromium, on a phone and on a desktop, at their longest: a team
with a 200-character name and forty 40-character tags without a space. The admin page and
the agent's review page never scroll sideways; a tag is added, archived and put on a
comment through the pages, and saving returns to the comment."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, expect

from feedback_app.comment_review.tags import add_tag
from feedback_app.extensions import db
from feedback_app.models import Agent, CommentReview, ReviewTag, Team
from tests.browser.test_staff_layout import EMAILS, OVERFLOW, SCREENS, add_long_rows, sign_in
from tests.every_page import seed_site
from tests.helpers import FrozenClock, TestNames

pytestmark = pytest.mark.browser

LONG_TEAM = "T" * 200


def long_tag(number: int) -> str:
    return f"{number:02}" + "W" * 38


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_the_tag_lists_at_their_longest(
    app: Flask,
    live_server: str,
    browser: Browser,
    clock: FrozenClock,
    dns: TestNames,
    screen: str,
    shared_tags: dict[str, ReviewTag],
) -> None:
    seed_site(clock.now)
    add_long_rows(clock.now, dns)
    team = Team(name=LONG_TEAM)
    db.session.add(team)
    agent = db.session.scalar(sa.select(Agent).where(Agent.email == EMAILS["agent"]))
    assert agent is not None
    agent.team = team
    db.session.commit()
    for number in range(40):
        add_tag(long_tag(number), team, clock.now)

    context = browser.new_context(**SCREENS[screen])
    tab = context.new_page()
    sign_in(tab, live_server, "admin")
    tab.goto(f"{live_server}/admin/review-tags/")
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    tab.get_by_label("Name").fill("Kindness")
    tab.get_by_label("List", exact=True).select_option(label=LONG_TEAM)
    tab.get_by_role("button", name="Add the tag").click()
    expect(tab.get_by_text("Tag Kindness added.")).to_be_visible()
    tab.get_by_role("button", name=f"Archive {long_tag(0)}").click()
    expect(
        tab.get_by_text(f"Tag {long_tag(0)} is archived: agents are not offered it.")
    ).to_be_visible()
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    context.close()

    context = browser.new_context(**SCREENS[screen])
    tab = context.new_page()
    sign_in(tab, live_server, "agent")
    tab.goto(f"{live_server}/review/")
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    article = tab.locator("article.response").nth(2)
    response_id = int(str(article.get_attribute("id")).removeprefix("response-"))
    tags = article.get_by_role("group", name="Tags")
    expect(tags.get_by_role("checkbox")).to_have_count(5 + 40)
    expect(tags.get_by_label(long_tag(0))).to_have_count(0)
    tags.get_by_label("Kindness").check()
    tags.get_by_label(long_tag(39)).check()
    article.get_by_role("button", name="Save").click()
    expect(tab).to_have_url(re.compile(rf"/review/#response-{response_id}$"))
    expect(tab.get_by_text("Review saved.")).to_be_visible()
    saved = tab.locator(f"#response-{response_id}").get_by_role("group", name="Tags")
    expect(saved.get_by_label("Kindness")).to_be_checked()
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    context.close()
    review = db.session.scalar(
        sa.select(CommentReview).where(CommentReview.response_id == response_id)
    )
    assert review is not None and review.tag_names == [long_tag(39), "Kindness"]
