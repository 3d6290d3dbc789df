"""Request bodies over their audience's limit are refused with a 413, before they are read."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Customer, Invitation, Response, User
from feedback_app.services.surveys import survey_for_kind
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock, csrf_from

MakeInvitation = Callable[..., tuple[Invitation, str]]
KB = 1024


class CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that counts how many of them were read."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = b"a" * count
        self.left -= count
        self.read_bytes += count
        return count


@pytest.fixture
def french_invitation(make_invitation: MakeInvitation) -> str:
    invitation, token = make_invitation("csat")
    db.session.get(Customer, invitation.customer_id).locale = "fr"  # type: ignore[union-attr]
    db.session.commit()
    return token


def responses() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Response)))


def survey_form(client: FlaskClient, token: str, comment: str) -> dict[str, str]:
    page = client.get(f"/s/{token}")
    return {"csrf_token": csrf_from(page.text), "score": "4", "comment": comment}


def test_a_survey_answer_over_64_kb_is_a_readable_413_in_the_customers_language(
    client: FlaskClient, french_invitation: str
) -> None:
    data = survey_form(client, french_invitation, "x" * (64 * KB))

    result = client.post(f"/s/{french_invitation}", data=data)

    assert result.status_code == 413
    text = html.unescape(result.text)
    assert '<html lang="fr">' in text
    assert "Votre envoi est trop long" in text
    assert "Rien n'a été enregistré. Veuillez revenir en arrière, raccourcir" in text
    assert responses() == []


def test_the_longest_comment_fits_in_the_survey_limit_even_in_emoji(
    client: FlaskClient, french_invitation: str
) -> None:
    """5000 characters of four bytes each, percent-encoded: 60,000 bytes."""
    data = survey_form(client, french_invitation, "😀" * 5000)

    assert client.post(f"/s/{french_invitation}", data=data).status_code == 303
    assert [row.comment for row in responses()] == ["😀" * 5000]


def test_an_embed_answer_over_the_limit_is_refused_inside_the_frame(
    app: Flask, client: FlaskClient, clock: FrozenClock
) -> None:
    survey = survey_for_kind(SurveyKind.NPS, clock.now)
    survey.allowed_origins = "https://help.example.com"
    db.session.commit()
    address = f"/embed/{survey.public_key}?origin=https://help.example.com&locale=fr"

    result = client.post(address, data={"comment": "x" * (64 * KB), "score": "9"})

    assert result.status_code == 413
    assert "Votre envoi est trop long" in html.unescape(result.text)
    assert result.headers["Content-Security-Policy"].endswith(
        "frame-ancestors https://help.example.com"
    )
    assert responses() == []


def test_an_unsubscribe_post_over_the_limit_is_refused(
    client: FlaskClient, french_invitation: str
) -> None:
    result = client.post(f"/u/{french_invitation}", data={"scope": "x" * (64 * KB)})
    assert result.status_code == 413
    assert "Votre envoi est trop long" in html.unescape(result.text)


def test_a_staff_form_over_256_kb_is_a_413_page(
    client: FlaskClient, login: Callable[..., User]
) -> None:
    login("admin")
    page = client.get("/admin/webhooks")
    data = {"csrf_token": csrf_from(page.text), "url": "https://x.example", "description": "d"}

    fits = client.post("/admin/webhooks", data={**data, "description": "d" * (200 * KB)})
    refused = client.post("/admin/webhooks", data={**data, "description": "d" * (256 * KB)})

    assert fits.status_code == 422  # too long a description, said on the form
    assert refused.status_code == 413
    assert "The form sent is larger than the 262144 bytes this page accepts." in refused.text


def test_an_api_body_over_1_mb_is_a_413_in_json(client: FlaskClient, api_key: str) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    body = {"email": "ana@example.com", "properties": {"notes": "n" * (1024 * KB)}}

    result = client.post("/api/v1/people", json=body, headers=headers)

    assert result.status_code == 413
    assert result.json == {
        "error": "too_large",
        "message": "the request body is larger than the 1048576 bytes the API accepts",
        "limit_bytes": 1048576,
    }
    body["properties"] = {"notes": "n" * (900 * KB)}
    assert client.post("/api/v1/people", json=body, headers=headers).status_code == 422


@pytest.mark.parametrize(
    ("setting", "path"),
    [
        ("PUBLIC_MAX_BODY_BYTES", "/s/{token}"),
        ("STAFF_MAX_BODY_BYTES", "/login"),
        ("API_MAX_BODY_BYTES", "/api/v1/people"),
    ],
)
def test_each_limit_is_a_setting(
    app: Flask,
    client: FlaskClient,
    french_invitation: str,
    api_key: str,
    setting: str,
    path: str,
) -> None:
    app.config[setting] = 2000
    address = path.format(token=french_invitation)
    headers = {"Authorization": f"Bearer {api_key}"}

    body = "json" if "api" in path else "data"
    fits = client.post(address, **{body: {"comment": "x" * 1900}}, headers=headers)
    refused = client.post(address, **{body: {"comment": "x" * 2000}}, headers=headers)

    assert fits.status_code != 413
    assert refused.status_code == 413


@pytest.mark.parametrize("path", ["/s/{token}", "/login", "/api/v1/people"])
def test_a_body_announced_too_large_is_refused_without_reading_it(
    client: FlaskClient, french_invitation: str, api_key: str, path: str
) -> None:
    body = CountingStream(50 * 1024 * KB)

    result = client.post(
        path.format(token=french_invitation),
        content_type="application/json" if "api" in path else "application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {api_key}"},
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(50 * 1024 * KB)},
    )

    assert result.status_code == 413
    assert body.read_bytes == 0


def test_a_body_without_a_length_is_cut_off_at_the_limit(
    client: FlaskClient, french_invitation: str
) -> None:
    """A chunked upload says no length: reading stops, and the request is refused, at 64 KB."""
    body = CountingStream(50 * 1024 * KB)

    result = client.post(
        f"/s/{french_invitation}",
        content_type="application/x-www-form-urlencoded",
        environ_overrides={
            "wsgi.input": body,
            "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked",
        },
    )

    assert result.status_code == 413
    assert body.read_bytes <= 64 * KB + 1
    assert responses() == []
