"""The dashboard's chart in Chromium on a phone and on a desktop: its labels are readable
(12 px or more), dates rather than week numbers, and none is cut off at the chart's edges."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser

from tests.browser.conftest import PHONE
from tests.browser.test_staff_layout import DESKTOP, sign_in
from tests.every_page import Site, seed_site
from tests.helpers import FrozenClock

pytestmark = pytest.mark.browser

#: Each label the chart shows: its text, size, and whether it lies inside the chart's box.
LABELS = """
() => {
  const box = document.querySelector("figure.chart").getBoundingClientRect();
  return [...document.querySelectorAll("figure.chart text.tick")]
    .filter((label) => getComputedStyle(label).display !== "none")
    .map((label) => {
      const r = label.getBoundingClientRect();
      return {
        text: label.textContent,
        size: parseFloat(getComputedStyle(label).fontSize),
        inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5,
      };
    });
}
"""


@pytest.fixture
def site(app: Flask, clock: FrozenClock) -> Site:
    return seed_site(clock.now)


@pytest.mark.parametrize(
    ("settings", "dates"),
    [
        (PHONE, ["2 Feb", "16 Feb", "2 Mar"]),
        (DESKTOP, ["26 Jan", "2 Feb", "9 Feb", "16 Feb", "23 Feb", "2 Mar"]),
    ],
    ids=["phone", "desktop"],
)
def test_chart_labels_are_readable_dates_inside_the_chart(
    live_server: str, browser: Browser, site: Site, settings: dict[str, Any], dates: list[str]
) -> None:
    context = browser.new_context(**settings)
    tab = context.new_page()
    sign_in(tab, live_server, "manager")
    tab.goto(f"{live_server}/dashboard?kind=nps&interval=week")
    labels = tab.evaluate(LABELS)
    context.close()
    assert [label["text"] for label in labels] == ["-100", "-50", "0", "50", "100", *dates]
    assert {label["size"] for label in labels} == {12.0}
    assert [label["text"] for label in labels if not label["inside"]] == []
