"""Browsers as separate people: each request in an app context of its own, as in a server
(the test's own context would keep the previous request's user in ``g``)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feedback_app.extensions import db
from feedback_app.models import MailboxMessage
from feedback_app.services.outbox import deliver_outbox
from tests.conftest import TEST_PASSWORD
from tests.delivery.conftest import smtp_config, smtp_handler, smtp_sink
from tests.helpers import FrozenClock, csrf_from, sign_in

__all__ = ["smtp_config", "smtp_handler", "smtp_sink"]


def get(browser: FlaskClient, path: str) -> TestResponse:
    with browser.application.app_context():
        return browser.get(path)


def post(
    browser: FlaskClient, path: str, form_page: str | None = None, **data: Any
) -> TestResponse:
    """Post ``data`` to ``path`` with the CSRF token of the form on ``form_page`` (``path``)."""
    with browser.application.app_context():
        token = csrf_from(browser.get(form_page or path).text)
        return browser.post(path, data={"csrf_token": token, **data})


def browser_of(app: Flask, email: str | None = None, password: str = TEST_PASSWORD) -> FlaskClient:
    """A browser of its own, signed in as ``email`` if given."""
    browser = app.test_client()
    if email is not None:
        assert sign_in(browser, email, password).status_code == 302
    return browser


def delivered_mail(clock: FrozenClock) -> list[MailboxMessage]:
    """Send what the outbox holds (to the development mailbox); every message it keeps."""
    deliver_outbox(clock.now)
    db.session.expire_all()
    return list(db.session.scalars(sa.select(MailboxMessage).order_by(MailboxMessage.id)))


LINK = re.compile(r"http://feedback\.test(/account/(?:setup|reset)/[\w-]+)")


def link_in(text: str) -> str:
    """The path of the set-up or reset link an email carries."""
    match = LINK.search(text)
    assert match, text
    return match.group(1)
