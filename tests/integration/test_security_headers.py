"""The security headers of every response: CSP, framing, nosniff, referrer, caching, HSTS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import MailboxMessage, User
from feedback_app.services.dispatch import dispatch_due_invitations
from feedback_app.services.outbox import deliver_outbox
from feedback_app.web.guards.limits import CUSTOMER_BLUEPRINTS
from tests.delighted.delighted_calls import basic
from tests.every_page import Site, seed_site
from tests.helpers import FrozenClock, csrf_from

ORIGINS = "https://help.example.com http://127.0.0.1:5001"
#: What the view itself says about caching: static files and the embed loader are cached.
CACHED = {"static": "no-cache", "embed.script": "public, max-age=3600"}
#: Pages framed by someone: the embed by its survey's origins, the mail preview, the
#: questions' phone preview and the survey's previews by their own page.
FRAMED = {
    "embed.widget": ORIGINS,
    "mailbox.html_part": "'self'",
    "questions_admin.preview": "'self'",
    "previews.email": "'self'",
    "previews.page": "'self'",
}


def directives(policy: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in policy.split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


@pytest.fixture
def api_key(make_api_key: Callable[..., str]) -> str:
    """A key that may call every operation, export included."""
    return make_api_key("admin")


@pytest.fixture
def site(app: Flask, clock: FrozenClock) -> Site:
    seeded = seed_site(clock.now)
    seeded.survey.allowed_origins = ORIGINS
    db.session.commit()
    return seeded


def walk(
    app: Flask, client: FlaskClient, site: Site, api_key: str
) -> Iterator[tuple[str, str, Any]]:
    """(endpoint, url, response) of every GET route, the APIs' with a key (the Delighted
    one's as its clients send it)."""
    for endpoint, url in sorted(site.urls(app).items()):
        headers = {"Authorization": f"Bearer {api_key}"} if url.startswith("/api/") else {}
        if url.startswith("/v1/"):
            headers = basic(api_key)
        response = client.get(url, headers=headers)
        response.close()
        yield endpoint, url, response


def test_every_get_route_sends_every_security_header(
    app: Flask,
    client: FlaskClient,
    site: Site,
    api_key: str,
    login: Callable[..., User],
) -> None:
    login("admin", email="headers-admin@example.com")
    seen = []
    for endpoint, url, response in walk(app, client, site, api_key):
        seen.append(endpoint)
        assert response.status_code in (200, 302), (url, response.status_code)
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == "'none'", url
        assert policy.get("script-src", "'self'") == "'self'", url
        assert policy["base-uri"] == "'none'", url
        assert policy["frame-ancestors"] == FRAMED.get(endpoint, "'none'"), url
        frame_options = {"'none'": "DENY", "'self'": "SAMEORIGIN"}.get(policy["frame-ancestors"])
        assert response.headers.get("X-Frame-Options") == frame_options, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        blueprint = endpoint.split(".")[0]
        private = blueprint in CUSTOMER_BLUEPRINTS and blueprint != "embed"
        referrer = "no-referrer" if private else "same-origin"
        assert response.headers["Referrer-Policy"] == referrer, url
        assert response.headers["Cache-Control"] == CACHED.get(endpoint, "no-store"), url
        assert "Strict-Transport-Security" not in response.headers, url
    # The walk reached the pages that matter, each kind of them.
    assert {
        "public.survey",
        "unsubscribe.choose",
        "recovery.answer",
        "embed.widget",
        "dashboard.index",
        "dashboard.export_responses",
        "followups.case_page",
        "mailbox.message",
        "mailbox.html_part",
        "api.responses.list_responses",
        "health.healthz",
        "static",
    } <= set(seen)

    app.config["BASE_URL"] = "https://feedback.example.com"
    for _endpoint, url, response in walk(app, client, site, api_key):
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", url


def test_survey_and_unsubscribe_pages_send_no_referrer_even_when_they_fail(
    client: FlaskClient, make_invitation: Callable[..., Any]
) -> None:
    _, token = make_invitation()
    pages = [f"/s/{token}", f"/s/{token}?score=99", f"/u/{token}", "/s/no-such", "/u/no-such"]
    for url in pages:
        assert client.get(url).headers["Referrer-Policy"] == "no-referrer", url
    assert client.get("/login").headers["Referrer-Policy"] == "same-origin"


def test_the_answered_survey_page_is_never_stored(
    client: FlaskClient, make_invitation: Callable[..., Any]
) -> None:
    _, token = make_invitation()
    page = client.get(f"/s/{token}?score=4")
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Content-Security-Policy"].startswith(
        "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-"
    )


def test_csv_downloads_and_api_answers_are_never_stored(
    client: FlaskClient, login: Callable[..., User], api_key: str
) -> None:
    login("manager")
    download = client.get("/dashboard/export/responses.csv")
    assert (download.mimetype, download.headers["Cache-Control"]) == ("text/csv", "no-store")
    download.close()
    answer = client.get("/api/v1/responses", headers={"Authorization": f"Bearer {api_key}"})
    assert (answer.status_code, answer.headers["Cache-Control"]) == (200, "no-store")
    refused = client.get("/api/v1/responses")
    assert (refused.status_code, refused.headers["Cache-Control"]) == (401, "no-store")
    assert refused.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_over_a_direct_https_request(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://feedback.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.fixture
def behind_proxy(app_config: dict[str, Any]) -> None:
    app_config["PROXY_HOPS"] = 1


def test_hsts_when_the_declared_proxy_says_https(behind_proxy: None, client: FlaskClient) -> None:
    forwarded = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert forwarded.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_no_hsts_when_an_undeclared_proxy_says_https(client: FlaskClient) -> None:
    forwarded = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forwarded.headers


def test_the_mail_preview_is_a_sandboxed_document_of_its_own(
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: Callable[..., Any],
) -> None:
    make_invitation()
    dispatch_due_invitations(clock.now)
    deliver_outbox(clock.now)
    message_id = db.session.scalar(sa.select(MailboxMessage.id))
    login("admin")
    page = client.get(f"/dev/mailbox/{message_id}")
    assert 'style="' not in page.text
    assert (
        f'sandbox="allow-popups allow-popups-to-escape-sandbox" '
        f'src="/dev/mailbox/{message_id}/html"'
    ) in page.text
    assert directives(page.headers["Content-Security-Policy"])["frame-src"] == "'self'"
    preview = client.get(f"/dev/mailbox/{message_id}/html")
    assert preview.mimetype == "text/html"
    assert '<body style="margin:0;padding:0;background-color:#f4f5f7;">' in preview.text
    assert directives(preview.headers["Content-Security-Policy"]) == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",
        "img-src": "'self' data: https:",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'self'",
        "sandbox": "allow-popups allow-popups-to-escape-sandbox",
    }
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    login("agent")
    assert client.get(f"/dev/mailbox/{message_id}/html").status_code == 403
