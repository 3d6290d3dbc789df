"""The embedded survey: loader script, iframe page, signed identities, framing, form tokens."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Customer, Response, Survey
from feedback_app.services.surveys import survey_for_kind
from surveys.identity import sign_identity
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock

ORIGINS = "https://help.example.com http://127.0.0.1:5001"


@pytest.fixture
def survey(app: Any, clock: FrozenClock) -> Survey:
    row = survey_for_kind(SurveyKind.CSAT, clock.now)
    row.allowed_origins = ORIGINS
    db.session.commit()
    return row


def responses() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Response).order_by(Response.id)))


def url(survey: Survey, **params: str) -> str:
    query = urlencode(params)
    return f"/embed/{survey.public_key}" + (f"?{query}" if query else "")


def signed(survey: Survey, customer: str) -> dict[str, str]:
    return {"customer": customer, "signature": sign_identity(survey.embed_secret, customer)}


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)
    assert match, "no form_token in the widget"
    return match.group(1)


def answer(client: FlaskClient, address: str, score: str, comment: str = "") -> Any:
    token = form_token(client.get(address).text)
    return client.post(address, data={"form_token": token, "score": score, "comment": comment})


def test_the_loader_script_is_served_as_javascript(client: FlaskClient) -> None:
    result = client.get("/embed.js")
    assert result.status_code == 200
    assert result.mimetype == "text/javascript"
    assert 'frame.src = origin + "/embed/"' in result.text
    result.close()


def test_only_the_surveys_allowed_origins_may_frame_the_widget(
    client: FlaskClient, survey: Survey
) -> None:
    result = client.get(url(survey))
    assert result.status_code == 200
    assert result.headers["Content-Security-Policy"].endswith(
        "frame-ancestors https://help.example.com http://127.0.0.1:5001"
    )
    assert "X-Frame-Options" not in result.headers
    assert "Set-Cookie" not in result.headers


def test_a_survey_without_allowed_origins_cannot_be_framed(
    client: FlaskClient, survey: Survey
) -> None:
    survey.allowed_origins = ""
    db.session.commit()
    result = client.get(url(survey))
    assert result.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
    assert result.headers["X-Frame-Options"] == "DENY"


def test_without_an_identity_the_answer_is_anonymous(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    result = answer(client, url(survey), "5", "Great widget")

    assert result.status_code == 200
    assert "Thank you for your feedback!" in result.text
    [row] = responses()
    assert (row.survey_id, row.invitation_id, row.customer_id, row.interaction_id) == (
        survey.id,
        None,
        None,
        None,
    )
    assert (row.kind.value, row.score, row.bucket.value, row.comment, row.source) == (
        "csat",
        5,
        "satisfied",
        "Great widget",
        "embed",
    )
    assert row.created_at == row.updated_at == clock.now


def test_a_signed_new_email_creates_the_customer_and_ties_the_answer(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    address = url(survey, **signed(survey, "New.Person@Example.com"))

    assert answer(client, address, "2").status_code == 200

    [row] = responses()
    customer = db.session.get(Customer, row.customer_id)
    assert (customer.email, customer.created_at) == ("new.person@example.com", clock.now)


def test_a_signed_known_customer_is_reused_and_their_language_spoken(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    known = Customer(
        email="casey@example.com",
        external_id="cust-42",
        locale="fr",
        created_at=clock.now,
        updated_at=clock.now,
    )
    db.session.add(known)
    db.session.commit()

    for identity in ("casey@example.com", "cust-42"):
        address = url(survey, **signed(survey, identity))
        assert '<html lang="fr">' in client.get(address).text
        answer(client, address, "4")

    assert [(r.customer_id, r.locale) for r in responses()] == [(known.id, "fr"), (known.id, "fr")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


def test_a_signed_external_id_nobody_has_is_refused_readably(
    client: FlaskClient, survey: Survey
) -> None:
    result = client.get(url(survey, **signed(survey, "cust-999")))
    assert result.status_code == 404
    assert "The customer given to this survey is not known." in result.text


@pytest.mark.parametrize(
    "params",
    [
        {"customer": "casey@example.com", "signature": "0" * 64},
        {"customer": "casey@example.com"},
        {"signature": "abc"},
    ],
)
def test_a_bad_or_missing_signature_is_a_readable_403_never_anonymous(
    client: FlaskClient, survey: Survey, params: dict[str, str]
) -> None:
    good = form_token(client.get(url(survey)).text)
    address = url(survey, **params)

    page = client.get(address)
    post = client.post(address, data={"form_token": good, "score": "5"})

    for result in (page, post):
        assert result.status_code == 403
        assert "The customer identity given to this survey is not correctly signed." in result.text
        assert result.headers["Content-Security-Policy"].endswith(
            "frame-ancestors https://help.example.com http://127.0.0.1:5001"
        )
    assert responses() == []


def test_another_surveys_signature_does_not_count(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    other = survey_for_kind(SurveyKind.NPS, clock.now)
    db.session.commit()
    address = url(survey, **signed(other, "casey@example.com"))
    assert client.get(address).status_code == 403


@pytest.mark.parametrize("token", ["", "forged", None])
def test_a_post_without_a_valid_form_token_saves_nothing(
    client: FlaskClient, survey: Survey, token: str | None
) -> None:
    data = {"score": "5"} if token is None else {"score": "5", "form_token": token}
    result = client.post(url(survey), data=data)
    assert result.status_code == 400
    assert "Your answer was not saved. Please reload the page and answer again." in result.text
    assert responses() == []


def test_a_form_token_is_bound_to_its_survey(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    other = survey_for_kind(SurveyKind.NPS, clock.now)
    db.session.commit()
    token = form_token(client.get(url(other)).text)
    assert client.post(url(survey), data={"form_token": token, "score": "5"}).status_code == 400
    assert responses() == []


def test_a_form_token_expires_after_a_day(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    token = form_token(client.get(url(survey)).text)
    clock.advance(hours=24, seconds=1)
    assert client.post(url(survey), data={"form_token": token, "score": "5"}).status_code == 400
    assert responses() == []


def test_the_answer_can_be_changed_from_the_thank_you_state(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    first = answer(client, url(survey), "2", "Slow")
    created = clock.now
    clock.advance(minutes=3)

    second = client.post(
        url(survey),
        data={"form_token": form_token(first.text), "score": "4", "comment": "Slow, but solved"},
    )

    assert second.status_code == 200
    assert "Update my answer" in second.text
    [row] = responses()
    assert (row.score, row.bucket.value, row.comment) == (4, "satisfied", "Slow, but solved")
    assert (row.created_at, row.updated_at) == (created, clock.now)


def test_a_bad_score_is_shown_back_in_the_widget(client: FlaskClient, survey: Survey) -> None:
    result = answer(client, url(survey), "6")
    assert result.status_code == 422
    assert "Please choose a score from 1 to 5." in result.text
    assert responses() == []


@pytest.mark.parametrize("key", ["no-such-survey", "disabled"])
def test_an_unknown_or_disabled_survey_is_a_404(
    client: FlaskClient, survey: Survey, key: str
) -> None:
    if key == "disabled":
        survey.enabled = False
        db.session.commit()
        key = survey.public_key
    result = client.get(f"/embed/{key}")
    assert result.status_code == 404
    assert "This survey is not available." in result.text


def test_a_flood_of_answers_from_one_address_is_stopped_in_the_widget(
    app: Any, client: FlaskClient, survey: Survey
) -> None:
    app.config["EMBED_ANSWERS_LIMIT"] = "2 per hour"
    address = url(survey, locale="fr")
    assert [answer(client, address, score).status_code for score in ("4", "5")] == [200, 200]

    refused = answer(client, address, "1")

    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    text = html.unescape(refused.text)
    assert "Trop de réponses sont venues de votre réseau à l'instant." in text
    assert refused.headers["Content-Security-Policy"].endswith(f"frame-ancestors {ORIGINS}")
    assert [response.score for response in responses()] == [4, 5]
