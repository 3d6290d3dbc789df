"""The embedded survey: loader script, iframe page, signed identities, framing, form tokens,
where answers may come from, replays, floods, and the refusals recorded for the admin page."""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade

from feedback_app.extensions import db
from feedback_app.models import Customer, EmbedRefusal, Response, SpentEmbedToken, Survey
from feedback_app.services.embed.flood import prune_embed_records
from feedback_app.services.embed.refusals import KEEP_PER_SURVEY
from feedback_app.services.surveys import survey_for_kind
from surveys.identity import sign_identity
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock, wait_for_lock_waiters

ORIGINS = "https://help.example.com http://127.0.0.1:5001"
#: The host page the widget is shown on, as the loader passes it.
SITE = "https://help.example.com"
#: Our own origin as the test client reaches it: what the widget's form posts carry.
OURS = "http://localhost"
#: What the customer gets when the widget is refused for its site or identity: nothing to see.
EMPTY_PAGE = (
    '<!doctype html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n'
    '  <meta name="robots" content="noindex">\n  <title>Your feedback</title>\n</head>\n'
    '<body class="embedded" data-refused>\n'
    '  <script src="/static/js/survey.js" defer></script>\n</body>\n</html>'
)


def embedded(kind: SurveyKind, clock: FrozenClock) -> Survey:
    row = survey_for_kind(kind, clock.now)
    row.allowed_origins = ORIGINS
    db.session.commit()
    return row


@pytest.fixture
def survey(app: Any, clock: FrozenClock) -> Survey:
    return embedded(SurveyKind.CSAT, clock)


@pytest.fixture
def other(survey: Survey, clock: FrozenClock) -> Survey:
    """A second embedded survey, on the same sites."""
    return embedded(SurveyKind.NPS, clock)


def responses() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Response).order_by(Response.id)))


def url(survey: Survey, **params: str) -> str:
    """The widget's address as the loader on ``SITE`` makes it (``origin=None`` leaves it out)."""
    query = urlencode({"origin": SITE, **params})
    return f"/embed/{survey.public_key}?{query}"


def bare_url(survey: Survey, **params: str) -> str:
    query = urlencode(params)
    return f"/embed/{survey.public_key}" + (f"?{query}" if query else "")


def signed(survey: Survey, customer: str, at: datetime) -> dict[str, str]:
    issued_at = str(int(at.timestamp()))
    return {
        "customer": customer,
        "issued_at": issued_at,
        "signature": sign_identity(survey.embed_secret, customer, issued_at),
    }


def hidden(result: Any, status: int = 403) -> None:
    """``result`` is the empty page of a refused widget, framed as the survey's widget is."""
    assert (result.status_code, result.text) == (status, EMPTY_PAGE)
    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert result.headers["Cache-Control"] == "no-store"


def refusals() -> list[tuple[str, str, str, int]]:
    """The recorded refusals, oldest first: problem, origin, detail and count."""
    db.session.expire_all()
    return [
        (row.problem, row.origin, row.detail, row.count)
        for row in db.session.scalars(sa.select(EmbedRefusal).order_by(EmbedRefusal.id))
    ]


def form_token(page: str) -> str:
    match = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page)
    assert match, "no form_token in the widget"
    return match.group(1)


def post(client: FlaskClient, address: str, origin: str | None = OURS, **data: str) -> Any:
    """Post as the widget's form does: from our own origin."""
    headers = {} if origin is None else {"Origin": origin}
    return client.post(address, data=data, headers=headers)


def answer(client: FlaskClient, address: str, score: str, comment: str = "") -> Any:
    token = form_token(client.get(address).text)
    return post(client, address, form_token=token, score=score, comment=comment)


def test_the_loader_script_is_served_as_javascript(client: FlaskClient) -> None:
    result = client.get("/embed.js")
    assert result.status_code == 200
    assert result.mimetype == "text/javascript"
    assert 'frame.src = origin + "/embed/"' in result.text
    assert 'params.set("origin", window.location.origin);' in result.text
    assert '["issuedAt", "issued_at"]' in result.text
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
    # Under no-referrer a browser would send our own form posts with ``Origin: null``.
    assert result.headers["Referrer-Policy"] == "same-origin"


def test_a_survey_without_allowed_origins_shows_no_widget_and_takes_no_answer(
    client: FlaskClient, survey: Survey
) -> None:
    token = form_token(client.get(url(survey)).text)
    survey.allowed_origins = ""
    db.session.commit()

    page = client.get(url(survey))
    posted = post(client, url(survey), form_token=token, score="5")

    for result in (page, posted):
        hidden(result)
        assert result.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")
        assert result.headers["X-Frame-Options"] == "DENY"
    assert responses() == []
    assert refusals() == [("no_sites", SITE, "the survey lists no allowed embed origin", 2)]


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
    address = url(survey, **signed(survey, "New.Person@Example.com", clock.now))

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
        address = url(survey, **signed(survey, identity, clock.now))
        assert '<html lang="fr">' in client.get(address).text
        assert answer(client, address, "4").status_code == 200
        clock.advance(days=survey.fatigue_days)

    assert [(r.customer_id, r.locale) for r in responses()] == [(known.id, "fr"), (known.id, "fr")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


def test_a_signed_external_id_nobody_has_shows_nothing_and_is_recorded(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    result = client.get(url(survey, **signed(survey, "cust-999", clock.now)))
    hidden(result, 404)
    assert refusals() == [("unknown_customer", SITE, "no customer has this external_id", 1)]


@pytest.mark.parametrize(
    ("params", "problem", "detail"),
    [
        (
            {"customer": "casey@example.com", "issued_at": "1772442000", "signature": "0" * 64},
            "bad_signature",
            "the customer identity's signature does not match",
        ),
        (
            {"customer": "casey@example.com", "issued_at": "1772442000"},
            "bad_signature",
            "the customer identity's signature does not match",
        ),
        ({"signature": "abc"}, "malformed", "the customer identity is missing or too long"),
        ({"issued_at": "1772442000"}, "malformed", "the customer identity is missing or too long"),
        (
            {"customer": "casey@example.com", "issued_at": "soon", "signature": "0" * 64},
            "malformed",
            "the issue time (issued_at) must be whole Unix seconds",
        ),
    ],
)
def test_a_bad_or_missing_signature_shows_nothing_never_anonymous(
    client: FlaskClient, survey: Survey, params: dict[str, str], problem: str, detail: str
) -> None:
    good = form_token(client.get(url(survey)).text)
    address = url(survey, **params)

    page = client.get(address)
    posted = post(client, address, form_token=good, score="5")

    for result in (page, posted):
        hidden(result)
        assert result.headers["Content-Security-Policy"].endswith(
            "frame-ancestors https://help.example.com http://127.0.0.1:5001"
        )
        assert "X-Frame-Options" not in result.headers
    assert responses() == []
    assert refusals() == [(problem, SITE, detail, 2)]


def test_a_signature_without_an_issue_time_is_recorded_as_such(
    client: FlaskClient, survey: Survey
) -> None:
    """What hosts signed before issue times existed: the customer alone."""
    customer = "casey@example.com"
    old = hmac.new(survey.embed_secret.encode(), customer.encode(), hashlib.sha256).hexdigest()

    hidden(client.get(url(survey, customer=customer, signature=old)))

    assert refusals() == [
        ("no_issue_time", SITE, "the customer identity has no issue time (issued_at)", 1)
    ]
    assert old not in str(refusals())


def test_a_signature_expires_a_day_after_its_issue_time_or_as_configured(
    app: Flask, client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    address = url(survey, **signed(survey, "casey@example.com", clock.now))
    clock.advance(hours=24)
    assert client.get(address).status_code == 200

    clock.advance(seconds=1)
    hidden(client.get(address))

    assert refusals() == [("expired", SITE, "signature older than 24 hours", 1)]
    app.config["EMBED_IDENTITY_MAX_AGE_HOURS"] = 48
    assert client.get(address).status_code == 200


def test_a_signature_from_a_host_clock_far_ahead_is_refused(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    ahead = clock.now + timedelta(hours=1)
    hidden(client.get(url(survey, **signed(survey, "casey@example.com", ahead))))
    assert refusals() == [
        ("from_the_future", SITE, "the customer identity was signed in the future", 1)
    ]


def test_an_identity_fresh_when_the_widget_was_shown_may_still_answer(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    address = url(survey, **signed(survey, "casey@example.com", clock.now))
    clock.advance(hours=23, minutes=50)
    token = form_token(client.get(address).text)
    clock.advance(minutes=20)

    assert post(client, address, form_token=token, score="4").status_code == 200
    assert [row.score for row in responses()] == [4]


def test_another_surveys_signature_does_not_count(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    other = survey_for_kind(SurveyKind.NPS, clock.now)
    db.session.commit()
    address = url(survey, **signed(other, "casey@example.com", clock.now))
    hidden(client.get(address))


def test_a_form_token_is_bound_to_the_identity_it_was_shown_with(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    anonymous = form_token(client.get(url(survey)).text)
    address = url(survey, **signed(survey, "casey@example.com", clock.now))

    result = post(client, address, form_token=anonymous, score="5")

    assert result.status_code == 400
    assert "Your answer was not saved. Please reload the page and answer again." in result.text
    assert responses() == []


@pytest.mark.parametrize("token", ["", "forged", None])
def test_a_post_without_a_valid_form_token_saves_nothing(
    client: FlaskClient, survey: Survey, token: str | None
) -> None:
    data = {"score": "5"} if token is None else {"score": "5", "form_token": token}
    result = post(client, url(survey), **data)
    assert result.status_code == 400
    assert "Your answer was not saved. Please reload the page and answer again." in result.text
    assert responses() == []


def test_a_form_token_is_bound_to_its_survey(
    client: FlaskClient, survey: Survey, other: Survey
) -> None:
    token = form_token(client.get(url(other)).text)
    assert post(client, url(survey), form_token=token, score="5").status_code == 400
    assert responses() == []


def test_a_form_token_lives_an_hour_or_as_configured(
    app: Flask, client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    token = form_token(client.get(url(survey)).text)
    clock.advance(hours=1, seconds=1)
    assert post(client, url(survey), form_token=token, score="5").status_code == 400

    app.config["EMBED_FORM_TOKEN_MINUTES"] = 5
    token = form_token(client.get(url(survey)).text)
    clock.advance(minutes=5)
    assert post(client, url(survey), form_token=token, score="4").status_code == 200
    token = form_token(client.get(url(survey)).text)
    clock.advance(minutes=5, seconds=1)
    assert post(client, url(survey), form_token=token, score="3").status_code == 400
    assert [row.score for row in responses()] == [4]


def test_a_form_token_carries_one_answer(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    token = form_token(client.get(url(survey)).text)
    assert post(client, url(survey), form_token=token, score="5").status_code == 200

    again = post(client, url(survey), form_token=token, score="1")

    assert again.status_code == 409
    assert "This answer was already sent" in again.text
    assert [row.score for row in responses()] == [5]
    [spent] = db.session.scalars(sa.select(SpentEmbedToken))
    assert spent.expires_at == clock.now + timedelta(hours=1)


def test_spent_tokens_are_forgotten_once_expired_and_stay_refused(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    token = form_token(client.get(url(survey)).text)
    assert post(client, url(survey), form_token=token, score="5").status_code == 200
    assert prune_embed_records(clock.advance(minutes=59)) == 0

    assert prune_embed_records(clock.advance(minutes=2)) == 1

    assert db.session.scalars(sa.select(SpentEmbedToken)).all() == []
    assert post(client, url(survey), form_token=token, score="1").status_code == 400
    assert [row.score for row in responses()] == [5]


def test_the_answer_can_be_changed_from_the_thank_you_state_once_per_token(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    first = answer(client, url(survey), "2", "Slow")
    created = clock.now
    clock.advance(minutes=3)

    second = post(
        client, url(survey), form_token=form_token(first.text), score="4", comment="Slow, but ok"
    )
    replayed = post(client, url(survey), form_token=form_token(first.text), score="1")

    assert second.status_code == 200
    assert "Update my answer" in second.text
    assert '<span class="updated">Your answer was updated.</span>' in second.text
    assert "Your answer was updated." not in first.text
    assert replayed.status_code == 409
    [row] = responses()
    assert (row.score, row.bucket.value, row.comment) == (4, "satisfied", "Slow, but ok")
    assert (row.created_at, row.updated_at) == (created, clock.now)


def test_a_bad_score_is_shown_back_in_the_widget_and_the_token_still_works(
    client: FlaskClient, survey: Survey
) -> None:
    token = form_token(client.get(url(survey)).text)
    result = post(client, url(survey), form_token=token, score="6")
    assert result.status_code == 422
    assert "Please choose a score from 1 to 5." in result.text
    assert responses() == []
    assert form_token(result.text) == token
    assert post(client, url(survey), form_token=token, score="5").status_code == 200


@pytest.mark.parametrize("score", ["²", "٣", "--1", "9" * 5000, ""])
def test_an_edit_with_odd_input_keeps_the_answer_and_its_token(
    client: FlaskClient, survey: Survey, score: str
) -> None:
    first = answer(client, url(survey), "2", "Slow")
    edit_token = form_token(first.text)

    odd = post(client, url(survey), form_token=edit_token, score=score, comment="Changed")

    assert odd.status_code == 422
    assert "Please choose a score" in odd.text
    assert form_token(odd.text) == edit_token
    assert [(r.score, r.comment) for r in responses()] == [(2, "Slow")]
    assert post(client, url(survey), form_token=edit_token, score="3").status_code == 200


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


@pytest.mark.parametrize(
    "origin",
    [None, "null", "https://help.example.com", "https://evil.example", "http://localhost:1"],
)
def test_an_answer_posted_from_anywhere_but_the_widget_is_refused(
    client: FlaskClient, survey: Survey, origin: str | None
) -> None:
    """curl sends no Origin; a form on another site's page sends that site's, even an allowed
    one (the host page never posts answers itself: the widget in our frame does)."""
    token = form_token(client.get(url(survey)).text)

    result = post(client, url(survey), origin=origin, form_token=token, score="1")

    assert result.status_code == 403
    assert "Answers are only taken from the survey itself." in result.text
    assert responses() == []
    assert refusals() == []


def test_the_public_address_counts_as_our_origin(client: FlaskClient, survey: Survey) -> None:
    """Behind a proxy the Host may differ from ``FEEDBACK_BASE_URL``; both are ours."""
    token = form_token(client.get(url(survey)).text)
    posted = post(client, url(survey), origin="http://feedback.test", form_token=token, score="3")
    assert posted.status_code == 200


@pytest.mark.parametrize(
    ("address", "headers", "refusal"),
    [
        (
            {"origin": "https://evil.example"},
            {},
            ("site_not_allowed", "https://evil.example", "not in the allowed embed origins"),
        ),
        (
            {},
            {"Referer": "https://evil.example/page"},
            ("site_not_allowed", "https://evil.example", "not in the allowed embed origins"),
        ),
        (
            {"origin": SITE},
            {"Referer": "https://evil.example/page"},
            ("sites_disagree", SITE, "the Referer is on https://evil.example"),
        ),
        (
            {"origin": SITE},
            {"Sec-Fetch-Dest": "document"},
            ("not_framed", SITE, "Sec-Fetch-Dest: document"),
        ),
        ({}, {}, ("unknown_site", "", "no origin= in the address and no Referer")),
    ],
)
def test_the_widget_is_served_only_to_an_allowed_site(
    client: FlaskClient,
    survey: Survey,
    address: dict[str, str],
    headers: dict[str, str],
    refusal: tuple[str, str, str],
) -> None:
    hidden(client.get(bare_url(survey, **address), headers=headers))
    assert refusals() == [(*refusal, 1)]


def test_a_frame_put_in_by_hand_is_known_by_its_referer(
    client: FlaskClient, survey: Survey
) -> None:
    address = bare_url(survey)
    headers = {"Referer": "http://127.0.0.1:5001/chat", "Sec-Fetch-Dest": "iframe"}
    token = form_token(client.get(address, headers=headers).text)
    assert post(client, address, form_token=token, score="5").status_code == 200


def test_a_site_removed_from_the_allowed_origins_takes_no_more_answers(
    client: FlaskClient, survey: Survey
) -> None:
    token = form_token(client.get(url(survey)).text)
    survey.allowed_origins = "http://127.0.0.1:5001"
    db.session.commit()

    result = post(client, url(survey), form_token=token, score="5")

    hidden(result)
    assert responses() == []
    assert refusals() == [("site_not_allowed", SITE, "not in the allowed embed origins", 1)]


def test_a_replayed_identity_adds_no_second_response_within_the_fatigue_window(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    address = url(survey, **signed(survey, "casey@example.com", clock.now))
    first = answer(client, address, "1", "Broken")
    clock.advance(minutes=20)

    replayed = answer(client, address, "5", "All fine really")
    edited = post(client, address, form_token=form_token(first.text), score="2")

    assert replayed.status_code == 409
    assert "Your answer was already recorded" in replayed.text
    assert edited.status_code == 200
    [row] = responses()
    assert (row.score, row.comment) == (2, "Broken")
    clock.advance(days=survey.fatigue_days)
    fresh = url(survey, **signed(survey, "casey@example.com", clock.now))
    assert answer(client, fresh, "4").status_code == 200
    assert [r.score for r in responses()] == [2, 4]


def test_a_replayed_identity_answering_twice_at_once_adds_one_response(
    app: Flask, survey: Survey, clock: FrozenClock
) -> None:
    """Two widgets of one new customer post together: the second waits for the first's
    customer row, then finds its answer. The customer's email is held, uncommitted, by another
    transaction (SQLite: its write lock) until both posts wait on it."""
    address = url(survey, **signed(survey, "new@example.com", clock.now))
    clients = [app.test_client(), app.test_client()]
    tokens = [form_token(client.get(address).text) for client in clients]
    statuses: list[int] = []

    def send(index: int) -> None:
        result = post(clients[index], address, form_token=tokens[index], score=str(index + 1))
        statuses.append(result.status_code)

    engine = sa.create_engine(app.config["DATABASE_URL"])
    with engine.connect() as holder:
        if engine.dialect.name == "postgresql":
            holder.execute(
                sa.text(
                    "INSERT INTO customers (email, name, properties, nps_enrolled, created_at,"
                    " updated_at) VALUES ('new@example.com', '', '{}', false, now(), now())"
                )
            )
        else:
            holder.exec_driver_sql("BEGIN IMMEDIATE")
        threads = [threading.Thread(target=send, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        if engine.dialect.name == "postgresql":
            wait_for_lock_waiters(engine, 2)
        holder.rollback()
    for thread in threads:
        thread.join()
    engine.dispose()

    assert sorted(statuses) == [200, 409]
    [row] = responses()
    customer = db.session.get(Customer, row.customer_id)
    assert customer.email == "new@example.com"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


def test_a_flood_of_answers_from_one_address_is_stopped_in_the_widget(
    app: Any, client: FlaskClient, survey: Survey, clock: FrozenClock
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


@pytest.fixture
def short_lock_wait(app_config: dict[str, Any]) -> None:
    """Writers give up on SQLite's write lock after 0.2 s (request before ``app``)."""
    app_config["SQLITE_BUSY_TIMEOUT_MS"] = 200


def test_a_refusal_the_database_is_too_busy_to_count_is_still_a_429(
    short_lock_wait: None,
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer is what a flood contends for")
    app.config["EMBED_ANSWERS_LIMIT"] = "1 per hour"
    assert answer(client, url(survey), "4").status_code == 200
    token = form_token(client.get(url(survey)).text)

    with db.engine.connect() as holder:
        holder.exec_driver_sql("BEGIN IMMEDIATE")
        refused = post(client, url(survey), form_token=token, score="5")
        holder.rollback()

    assert refused.status_code == 429
    assert "Too many answers came from your network just now." in refused.text
    assert "a refused embed answer was not counted: database is locked" in caplog.text
    assert [r.score for r in responses()] == [4]


def test_anonymous_answers_are_limited_per_survey_signed_ones_are_not(
    app: Any, client: FlaskClient, survey: Survey, other: Survey, clock: FrozenClock
) -> None:
    app.config["EMBED_ANONYMOUS_SURVEY_LIMIT"] = "2 per hour"
    address = url(survey, locale="fr")
    # A refused post (no valid token) is not an answer and does not count.
    assert post(client, address, form_token="forged", score="3").status_code == 400
    assert [answer(client, address, score).status_code for score in ("4", "5")] == [200, 200]

    refused = answer(client, address, "1")
    signed_answer = answer(client, url(survey, **signed(survey, "ana@example.com", clock.now)), "2")
    other_survey = answer(client, url(other), "9")

    assert refused.status_code == 429
    assert "Cette enquête reçoit trop de réponses en ce moment." in html.unescape(refused.text)
    assert (signed_answer.status_code, other_survey.status_code) == (200, 200)
    assert [r.score for r in responses()] == [4, 5, 2, 9]


def test_anonymous_answers_to_all_surveys_have_a_total_limit(
    app: Any, client: FlaskClient, survey: Survey, other: Survey
) -> None:
    app.config["EMBED_ANONYMOUS_TOTAL_LIMIT"] = "2 per hour"
    assert answer(client, url(survey), "4").status_code == 200
    assert answer(client, url(other), "9").status_code == 200

    refused = answer(client, url(survey), "5")

    assert refused.status_code == 429
    assert "This survey is receiving too many answers just now." in refused.text
    assert [r.score for r in responses()] == [4, 9]


def test_a_flood_shows_on_the_surveys_admin_page(
    app: Any,
    client: FlaskClient,
    survey: Survey,
    clock: FrozenClock,
    login: Any,
) -> None:
    app.config["EMBED_ANONYMOUS_SURVEY_LIMIT"] = "3 per hour"
    assert answer(client, url(survey), "4").status_code == 200
    clock.advance(hours=2)
    assert [answer(client, url(survey), s).status_code for s in "5321"] == [200, 200, 429, 429]
    signed_address = url(survey, **signed(survey, "ana@example.com", clock.now))
    assert answer(client, signed_address, "2").status_code == 200
    clock.advance(minutes=30)
    login("admin")

    page = client.get(f"/admin/surveys/{survey.id}")

    table = re.search(r'<table class="activity".*?</table>', page.text, re.S)
    assert table is not None
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td>', table.group())
    assert rows == [("Anonymous answers", "2", "3"), ("Refused by the limits", "2", "2")]


def test_refusals_are_counted_per_problem_origin_and_minute(
    client: FlaskClient, survey: Survey, other: Survey, clock: FrozenClock
) -> None:
    for _ in range(3):
        hidden(client.get(bare_url(survey, origin="https://evil.example")))
    hidden(client.get(bare_url(survey, origin="https://other.example")))
    hidden(client.get(bare_url(other, origin="https://evil.example")))
    clock.advance(minutes=1)
    hidden(client.get(bare_url(survey, origin="https://evil.example")))

    db.session.expire_all()
    rows = db.session.scalars(sa.select(EmbedRefusal).order_by(EmbedRefusal.id)).all()
    assert [(row.survey_id, row.origin, row.minute, row.count) for row in rows] == [
        (survey.id, "https://evil.example", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 3),
        (survey.id, "https://other.example", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1),
        (other.id, "https://evil.example", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 1),
        (survey.id, "https://evil.example", datetime(2026, 3, 2, 9, 1, tzinfo=UTC), 1),
    ]


def test_a_flood_of_refusals_keeps_only_the_surveys_latest_rows(
    client: FlaskClient, survey: Survey, other: Survey, clock: FrozenClock
) -> None:
    """Every origin is another row: a survey still keeps its latest ``KEEP_PER_SURVEY``."""
    hidden(client.get(bare_url(other, origin="https://first.example")))
    for number in range(KEEP_PER_SURVEY + 5):
        hidden(client.get(bare_url(survey, origin=f"https://site{number}.example")))

    db.session.expire_all()
    kept = db.session.scalars(
        sa.select(EmbedRefusal.origin)
        .where(EmbedRefusal.survey_id == survey.id)
        .order_by(EmbedRefusal.id)
    ).all()
    assert kept == [f"https://site{number}.example" for number in range(5, KEEP_PER_SURVEY + 5)]
    assert db.session.scalars(
        sa.select(EmbedRefusal.origin).where(EmbedRefusal.survey_id == other.id)
    ).all() == ["https://first.example"]


def test_refusals_are_forgotten_after_30_days(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    hidden(client.get(bare_url(survey, origin="https://evil.example")))
    clock.advance(minutes=1)
    hidden(client.get(bare_url(survey, origin="https://evil.example")))

    assert prune_embed_records(clock.advance(days=30)) == 1

    assert refusals() == [
        ("site_not_allowed", "https://evil.example", "not in the allowed embed origins", 1)
    ]


def test_a_refusal_the_database_is_too_busy_to_record_still_shows_nothing(
    short_lock_wait: None,
    app: Flask,
    client: FlaskClient,
    survey: Survey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single writer is what a flood contends for")

    with db.engine.connect() as holder:
        holder.exec_driver_sql("BEGIN IMMEDIATE")
        refused = client.get(bare_url(survey, origin="https://evil.example"))
        holder.rollback()

    hidden(refused)
    assert "a refused embed widget was not recorded: database is locked" in caplog.text
    assert refusals() == []


def test_migration_1113_adds_the_refusals_and_keeps_every_row(
    client: FlaskClient, survey: Survey, clock: FrozenClock
) -> None:
    token = form_token(client.get(url(survey)).text)
    assert post(client, url(survey), form_token=token, score="4").status_code == 200
    elsewhere = bare_url(survey, origin="https://evil.example")
    hidden(client.get(elsewhere))

    def rows() -> list[tuple[object, ...]]:
        with db.engine.connect() as connection:
            return [
                tuple(row)
                for table in ("surveys", "responses", "spent_embed_tokens")
                for row in connection.execute(sa.text(f"SELECT * FROM {table}"))
            ]

    before = rows()
    assert len(before) == 3
    db.session.remove()
    downgrade(revision="1109")
    try:
        assert "embed_refusals" not in sa.inspect(db.engine).get_table_names()
        assert rows() == before
    finally:
        upgrade()

    assert rows() == before
    assert refusals() == []
    hidden(client.get(elsewhere))
    assert refusals() == [
        ("site_not_allowed", "https://evil.example", "not in the allowed embed origins", 1)
    ]
