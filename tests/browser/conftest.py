"""Browser fixtures: the app served by a real WSGI server in a thread, and headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.helpers import Served, WSGIApp

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: A phone: most customers answer on one.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def serve() -> Iterator[Callable[[WSGIApp], str]]:
    """Serve any WSGI app on a free local port; returns its base URL. Stopped after the test."""
    servers: list[Served] = []

    def start(wsgi_app: WSGIApp) -> str:
        servers.append(Served(wsgi_app))
        return servers[-1].url

    yield start
    for served in servers:
        served.close()


@pytest.fixture
def live_server(app: Flask, serve: Callable[[WSGIApp], str]) -> str:
    """The app under test, on a real server; requests run in their own app contexts."""
    return serve(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized tab with its own cookies."""
    context = browser.new_context(**PHONE)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in_as(tab: Page, live_server: str, email: str, password: str) -> None:
    """Sign in through the page, as a person would, and wait for the staff navigation."""
    tab.goto(f"{live_server}/login")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("button", name="Log out")).to_be_visible()


def fits_the_screen(tab: Page) -> bool:
    """Whether the page is no wider than the window, measured once it has loaded (stylesheets
    applied): reading the width lays the page out. Not `wait_for_function`, whose polling
    evaluates a string inside the page, which our Content-Security-Policy rightly refuses."""
    tab.wait_for_load_state("load")
    return bool(tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
