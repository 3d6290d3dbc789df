"""Staff error pages are the app's own: the navigation, a sentence for each code, the way back;
customers' addresses never get staff navigation, and the API answers JSON."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.exceptions import TooManyRequests
from werkzeug.test import TestResponse

from feedback_app.models import User
from feedback_app.web import home

NAV = '<nav aria-label="Main">'
HOME = '<li><a href="/">Go to the home page</a></li>'
SIGN_IN = '<li><a href="/login">Sign in</a></li>'


def said(page: TestResponse) -> list[str]:
    """The error page's code, title and sentence, as read."""
    box = page.text[page.text.index('<div class="narrow error-page">') :]
    box = box[: box.index("</p>", box.index("<h1>") + 1) + 4]
    return [html.unescape(text) for text in re.findall(r"<(?:p|h1)[^>]*>(.*?)</", box)]


def ways_back(page: TestResponse) -> list[str]:
    box = page.text[page.text.index('<ul class="way-back">') :]
    return re.findall(r"<li>(.*?)</li>", box[: box.index("</ul>")])


def test_an_unknown_staff_address_signed_in(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert said(page) == [
        "Error 404",
        "Page not found",
        "There is no page at this address. The link may be mistyped or out of date.",
    ]
    assert NAV in page.text
    assert '<li><a href="/dashboard">Dashboard</a></li>' in page.text
    assert ways_back(page) == ['<a href="/">Go to the home page</a>']


def test_an_unknown_staff_address_signed_out(client: FlaskClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert said(page)[1:] == [
        "Page not found",
        "There is no page at this address. The link may be mistyped or out of date.",
    ]
    assert NAV not in page.text
    assert '<a class="brand" href="/">Feedback</a>' in page.text
    assert ways_back(page) == ['<a href="/login">Sign in</a>']


def test_go_back_leads_to_the_staff_page_of_this_site_it_came_from(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    came = client.get("/followups/99", headers={"Referer": "http://localhost/followups/?q=x"})
    assert came.status_code == 404
    assert said(came)[1:] == ["Page not found", "There is no follow-up case 99."]
    assert ways_back(came) == [
        '<a href="/followups/?q=x">Go back</a>',
        '<a href="/">Go to the home page</a>',
    ]
    for referrer in (
        "https://elsewhere.example/followups/",
        "http://localhost/s/some-token",
        "http://localhost/api/v1/responses",
        "http://localhost/followups/99",
    ):
        page = client.get("/followups/99", headers={"Referer": referrer})
        assert ways_back(page) == ['<a href="/">Go to the home page</a>'], referrer


def test_an_agent_on_the_dashboard(client: FlaskClient, login: Callable[..., User]) -> None:
    login("agent")
    page = client.get("/dashboard")
    assert page.status_code == 403
    assert said(page) == [
        "Error 403",
        "You cannot open this page",
        "This page is for managers and admins; your role is agent.",
    ]
    assert '<li><a href="/review/">My comments</a></li>' in page.text


def test_a_manager_on_an_admin_page(client: FlaskClient, login: Callable[..., User]) -> None:
    login("manager")
    page = client.get("/admin/surveys/")
    assert page.status_code == 403
    assert said(page)[2] == "This page is for admins; your role is manager."


def test_a_method_the_address_does_not_take(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = client.get("/followups/bulk")
    assert page.status_code == 405
    assert said(page) == [
        "Error 405",
        "This page cannot be used that way",
        "This address does not take that kind of request. Go back and use the page's own "
        "buttons and links.",
    ]
    assert NAV in page.text
    assert sorted(page.headers["Allow"].split(", ")) == ["OPTIONS", "POST"]


def test_malformed_input_is_a_400_naming_the_field(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    page = client.get("/followups/?q=a%00b")
    assert page.status_code == 400
    assert said(page) == [
        "Error 400",
        "This request could not be read",
        "The field “q” contains a NUL character, which nothing here can hold.",
    ]
    assert NAV in page.text


@pytest.fixture
def errors_logged(app_config: dict[str, Any]) -> None:
    """Errors answered with a 500 page, as in production, not raised in the test."""
    app_config["PROPAGATE_EXCEPTIONS"] = False


def test_a_page_that_fails(
    errors_logged: None,
    client: FlaskClient,
    login: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login("manager")

    def broken(*_args: object) -> None:
        raise RuntimeError("the overview could not be read")

    monkeypatch.setattr(home, "overview", broken)
    page = client.get("/")
    assert page.status_code == 500
    assert said(page) == [
        "Error 500",
        "Something went wrong",
        "The page failed on our side and the error was logged. Try again in a moment; if it "
        "keeps happening, tell your admin.",
    ]
    assert NAV in page.text
    assert "RuntimeError" not in page.text


def test_too_many_requests_say_how_long_to_wait(
    client: FlaskClient, login: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    login("manager")

    def limited(*_args: object) -> None:
        raise TooManyRequests(retry_after=110)

    monkeypatch.setattr(home, "overview", limited)
    page = client.get("/")
    assert page.status_code == 429
    assert said(page) == [
        "Error 429",
        "Too many requests",
        "Too many requests came from you in a short time. Try again in 2 minutes.",
    ]
    assert page.headers["Retry-After"] == "110"
    assert NAV in page.text


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.2, "1 second"),
        (45, "45 seconds"),
        (59.2, "1 minute"),
        (60, "1 minute"),
        (61, "2 minutes"),
        (3600, "60 minutes"),
        (3601, "1 hour and 1 minute"),
        (7200, "2 hours"),
        (2 * 3600 + 300, "2 hours and 5 minutes"),
    ],
)
def test_waits_are_said_rounded_up(seconds: float, words: str) -> None:
    from feedback_app.web.errors import wait_words

    assert wait_words(seconds) == words


def test_a_customers_address_gets_no_staff_navigation(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("manager")
    for path in ("/s/unknown/more", "/u/unknown/more", "/embed/key/more"):
        page = client.get(path)
        assert page.status_code == 404, path
        assert NAV not in page.text, path
        assert "way-back" not in page.text, path


def test_the_api_answers_json(client: FlaskClient) -> None:
    answer = client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404
    assert answer.is_json
