"""The follow-up queue in Chromium, with real-sized rows, on a phone and on a desktop: the
page never scrolls sideways, select-all ticks every case, a click on a row opens its case,
the filters fold on a phone, and every control is a 44 px tap target."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from tests.browser.test_staff_layout import OVERFLOW, SCREENS, add_long_rows, sign_in
from tests.every_page import seed_site
from tests.helpers import FrozenClock, TestNames

pytestmark = pytest.mark.browser

#: The controls of the queue with the size they take on screen, smallest first.
TAP_TARGETS = """
() => [...document.querySelectorAll([
    "main a", "main button", "main summary", "main .tap:not([hidden])", "main select",
    "main input:not([type=checkbox]):not([type=hidden])",
  ].join())]
  .filter((element) => element.offsetParent !== null)
  .map((element) => {
    const box = element.getBoundingClientRect();
    return {what: element.outerHTML.slice(0, 80), width: box.width, height: box.height};
  })
  .filter(({width, height}) => width < 44 || height < 44)
"""


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_the_queue_on_a_screen(
    app: Flask,
    live_server: str,
    browser: Browser,
    clock: FrozenClock,
    dns: TestNames,
    screen: str,
) -> None:
    seed_site(clock.now)
    add_long_rows(clock.now, dns)
    context = browser.new_context(**SCREENS[screen])
    tab = context.new_page()
    sign_in(tab, live_server, "manager")
    tab.goto(f"{live_server}/followups/")

    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    assert tab.evaluate(TAP_TARGETS) == []
    filters = tab.locator("details.filter-panel")
    if screen == "phone":
        expect(filters).not_to_have_attribute("open", "")
        expect(tab.get_by_label("Search comments")).to_be_hidden()
        tab.get_by_text("Filters", exact=True).click()
    expect(tab.get_by_label("Search comments")).to_be_visible()

    boxes = tab.locator("input[name=case_ids]")
    assert boxes.count() == 25
    tab.get_by_label("Select all cases on this page").check()
    assert boxes.evaluate_all("(boxes) => boxes.map((box) => box.checked)") == [True] * 25
    boxes.nth(3).uncheck()
    select_all = tab.get_by_label("Select all cases on this page")
    assert select_all.evaluate("(box) => [box.checked, box.indeterminate]") == [False, True]
    tab.get_by_label("Select all cases on this page").click()
    assert boxes.evaluate_all("(boxes) => boxes.map((box) => box.checked)") == [True] * 25

    row = tab.locator("tr[data-row-link]").first
    row.locator("td.pick").click(position={"x": 2, "y": 2})
    row.locator("td.pick label").click()
    expect(boxes.first).not_to_be_checked()
    expect(tab).to_have_url(f"{live_server}/followups/")
    case_link = row.locator("a.row-link").get_attribute("href")
    row.locator("td.comment").click(position={"x": 10, "y": 10})
    expect(tab).to_have_url(live_server + str(case_link))
    expect(tab.get_by_role("heading", name=re.compile(r"^Case #\d+"))).to_be_visible()
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    context.close()


def test_agents_tick_all_their_comments_and_acknowledge_them(
    app: Flask, live_server: str, browser: Browser, clock: FrozenClock, dns: TestNames
) -> None:
    """The review page's select-all is the queue's script; acknowledging comes back to the
    form, and the page still fits the phone."""
    seed_site(clock.now)
    add_long_rows(clock.now, dns)
    context = browser.new_context(**SCREENS["phone"])
    tab = context.new_page()
    sign_in(tab, live_server, "agent")
    tab.goto(f"{live_server}/review/?acknowledged=no")
    boxes = tab.locator("input[name=response_ids]")
    assert boxes.count() == 25
    tab.get_by_label("Select all on this page").check()
    assert boxes.evaluate_all("(boxes) => boxes.map((box) => box.checked)") == [True] * 25
    assert tab.evaluate(OVERFLOW) == {"beyond": 0, "out": []}
    assert tab.evaluate(TAP_TARGETS) == []
    tab.get_by_role("button", name="Acknowledge selected").click()
    expect(tab).to_have_url(f"{live_server}/review/?acknowledged=no#acknowledge-selected")
    expect(tab.get_by_text("25 comments acknowledged.")).to_be_visible()
    context.close()
