"""The survey's embed section as its admin reads it: the refused embeds with what to fix, the
two snippets, and the signing code, run here in each language the machine has."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Customer, Response, Survey, User
from feedback_app.services.surveys import survey_for_kind
from surveys.identity import sign_identity
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock

SITE = "https://help.example.com"
#: The refused embeds' rows: time, reason (and what was seen), origin, count.
ROW = re.compile(
    r'<tr><td><time datetime="[^"]+">([^<]+)</time></td><td>(.*?)</td><td>([^<]+)</td>'
    r"<td>(\d+)</td></tr>"
)


@pytest.fixture
def survey(app: Flask, clock: FrozenClock) -> Survey:
    row = survey_for_kind(SurveyKind.CSAT, clock.now)
    row.allowed_origins = SITE
    db.session.commit()
    return row


@pytest.fixture
def admin(login: Callable[..., User]) -> User:
    return login("admin")


def widget(survey: Survey, **params: str) -> str:
    return f"/embed/{survey.public_key}?{urlencode(params)}"


def section(client: FlaskClient, survey: Survey) -> str:
    page = client.get(f"/admin/surveys/{survey.id}")
    assert page.status_code == 200
    match = re.search(r'<section id="embed".*?</section>', page.text, re.S)
    assert match is not None
    return match.group()


def refused_rows(text: str) -> list[tuple[str, str, str, str]]:
    return [
        (when, html.unescape(reason), origin, count)
        for when, reason, origin, count in ROW.findall(text)
    ]


def test_the_latest_refusals_are_listed_newest_first_with_what_to_fix(
    client: FlaskClient, survey: Survey, admin: User, clock: FrozenClock
) -> None:
    signed = {"customer": "casey@example.com", "issued_at": "1772442000"}
    for _ in range(2):
        client.get(widget(survey, origin=SITE, **signed, signature="0" * 64))
    clock.advance(minutes=5)
    client.get(widget(survey, origin="https://evil.example"))
    clock.advance(hours=2)
    client.get(widget(survey))

    text = section(client, survey)

    assert (
        '<div class="table-scroll" role="region" aria-label="Refused embeds" tabindex="0">' in text
    )
    assert refused_rows(text) == [
        (
            "2026-03-02 11:05",
            "The survey could not tell which site shows it: load it with the embed script, or "
            "add origin= and your site's origin to the frame's address."
            "<br><small>Seen: no origin= in the address and no Referer</small>",
            "none",
            "1",
        ),
        (
            "2026-03-02 09:05",
            "This site may not show the survey: if it is yours, add its origin to the allowed "
            "embed origins above.<br><small>Seen: not in the allowed embed origins</small>",
            "https://evil.example",
            "1",
        ),
        (
            "2026-03-02 09:00",
            "The signature does not match: sign “customer|issued_at” with this survey's current "
            "signing secret (hex HMAC-SHA256), as in the code below."
            "<br><small>Seen: the customer identity's signature does not match</small>",
            SITE,
            "2",
        ),
    ]
    assert "0" * 64 not in text.replace(survey.embed_secret, "")
    assert "No refusals in the last 30 days." not in text


def test_without_refusals_in_the_last_30_days_the_section_says_so(
    client: FlaskClient, survey: Survey, admin: User, clock: FrozenClock
) -> None:
    assert '<p id="embed-refusals">No refusals in the last 30 days.</p>' in section(client, survey)
    client.get(widget(survey, origin="https://evil.example"))
    clock.advance(days=30, minutes=1)

    text = section(client, survey)

    assert '<p id="embed-refusals">No refusals in the last 30 days.</p>' in text
    assert refused_rows(text) == []


def test_the_section_gives_an_anonymous_and_a_signed_snippet(
    client: FlaskClient, survey: Survey, admin: User
) -> None:
    text = section(client, survey)

    assert (
        '<textarea id="snippet-anonymous" rows="2" readonly aria-describedby='
        '"snippet-anonymous-hint">&lt;script src="http://feedback.test/embed.js" '
        f'data-survey="{survey.public_key}" async&gt;&lt;/script&gt;</textarea>'
    ) in text
    assert (
        f'&lt;script src="http://feedback.test/embed.js" data-survey="{survey.public_key}"\n'
        '        data-customer="CUSTOMER_EMAIL_OR_ID" data-issued-at="UNIX_SECONDS"\n'
        '        data-signature="HEX_HMAC" async&gt;&lt;/script&gt;</textarea>'
    ) in text


#: How each language's signing code is run: the program, its option to run code, what sets
#: ``customer`` before the page's code and what prints its result after it.
RUNNERS = {
    "sign-python": (
        sys.executable,
        "-c",
        'customer = "casey@example.com"',
        "print(issued_at, signature)",
    ),
    "sign-node": (
        "node",
        "-e",
        'const customer = "casey@example.com";',
        "console.log(issuedAt, signature);",
    ),
    "sign-php": (
        "php",
        "-r",
        '$customer = "casey@example.com";',
        'echo $issuedAt, " ", $signature;',
    ),
}


@pytest.mark.parametrize("language", sorted(RUNNERS))
def test_the_signing_code_on_the_page_makes_a_signature_the_widget_accepts(
    client: FlaskClient, survey: Survey, admin: User, clock: FrozenClock, language: str
) -> None:
    program, option, before, after = RUNNERS[language]
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed")
    code = re.search(rf'<code id="{language}">(.*?)</code>', section(client, survey), re.S)
    assert code is not None
    ran = subprocess.run(
        [program, option, f"{before}\n{html.unescape(code.group(1))}\n{after}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={**os.environ, "FEEDBACK_EMBED_SECRET": survey.embed_secret},
    )
    issued_at, signature = ran.stdout.split()
    assert signature == sign_identity(survey.embed_secret, "casey@example.com", issued_at)
    clock.now = datetime.fromtimestamp(int(issued_at), UTC)

    address = widget(
        survey, origin=SITE, customer="casey@example.com", issued_at=issued_at, signature=signature
    )
    shown = client.get(address)
    assert shown.status_code == 200
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', shown.text)
    assert token is not None
    posted = client.post(
        address,
        data={"form_token": token.group(1), "score": "5"},
        headers={"Origin": "http://localhost"},
    )

    assert posted.status_code == 200
    [response] = db.session.scalars(sa.select(Response)).all()
    assert db.session.get(Customer, response.customer_id).email == "casey@example.com"
