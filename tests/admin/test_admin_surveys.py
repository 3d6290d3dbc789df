"""Admins' survey pages: the overview, adding a survey, its settings, the embed secret."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import FollowUpRuleSettings, Response, Survey, User
from feedback_app.services.responses import record_response
from feedback_app.services.surveys import survey_for_kind
from surveys.answers import ResponseSource
from surveys.bucketing import Bucket
from surveys.followups import OwnerPolicy
from surveys.identity import sign_identity
from surveys.kinds import SurveyKind
from tests.helpers import FrozenClock, csrf_from

#: A complete, valid settings form per kind; tests change what they test.
FORMS: dict[SurveyKind, dict[str, str]] = {
    SurveyKind.CSAT: {
        "name": "After-ticket CSAT",
        "question": "How did {company} do?",
        "followup_question": "Anything to add?",
        "company_name": "Acme Support",
        "enabled": "y",
        "satisfied_min": "4",
        "delay_seconds": "3600",
        "expiry_days": "14",
        "fatigue_days": "10",
        "reminder_days": "3",
        "sender_name": "Acme Care",
        "sender_email": "care@example.com",
        "accent_color": "#aa3300",
        "logo_url": "https://cdn.example.com/logo.png",
        "allowed_origins": "https://Help.example.com/\nhttp://localhost:3000 "
        "https://app.example.com:8443 https://help.example.com",
        "open_max": "2",
        "high_max": "",
        "deadline_hours": "48",
        "remind_before_hours": "12",
        "owner_policy": "team_manager",
    },
}
FORMS[SurveyKind.NPS] = {
    **FORMS[SurveyKind.CSAT],
    "satisfied_min": "9",
    "passive_min": "7",
    "cadence_days": "90",
    "open_max": "6",
    "high_max": "3",
}


def form(token: str, kind: SurveyKind = SurveyKind.CSAT, **changes: str | None) -> dict[str, str]:
    """The kind's valid form with ``changes``; a change to None leaves the field out."""
    data = {**FORMS[kind], "csrf_token": token, **changes}
    return {name: value for name, value in data.items() if value is not None}


def row(survey: Survey) -> dict[str, Any]:
    """Every column of the survey as stored."""
    db.session.expire_all()
    fresh = db.session.get(Survey, survey.id)
    return {column.key: getattr(fresh, column.key) for column in Survey.__table__.columns}


@pytest.fixture
def admin(login: Callable[..., User]) -> User:
    return login("admin")


@pytest.fixture
def csat(app: Flask, clock: FrozenClock) -> Survey:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    db.session.commit()
    return survey


def answer(survey: Survey, score: int, clock: FrozenClock) -> Response:
    return record_response(survey, score, "", clock.now, source=ResponseSource.EMBED)


def test_the_overview_lists_each_survey_with_its_responses(
    client: FlaskClient, clock: FrozenClock, admin: User, csat: Survey
) -> None:
    nps = survey_for_kind(SurveyKind.NPS, clock.now)
    nps.enabled = False
    db.session.commit()
    answer(csat, 5, clock)
    clock.advance(hours=26, minutes=15)
    answer(csat, 2, clock)

    page = client.get("/admin/surveys/")

    assert page.status_code == 200
    assert (
        f'<td class="text"><a href="/admin/surveys/{csat.id}">'
        "Support satisfaction (CSAT)</a></td>\n"
        "      <td>CSAT</td>\n      <td>enabled</td>\n      <td>2</td>\n"
        '      <td><time datetime="2026-03-03T11:15:00+00:00">2026-03-03 11:15 UTC</time></td>'
    ) in page.text
    assert (
        f'<td class="text"><a href="/admin/surveys/{nps.id}">Net Promoter Score</a></td>\n'
        "      <td>NPS</td>\n      <td>disabled</td>\n      <td>0</td>\n      <td>—</td>"
    ) in page.text
    assert '<li><a href="/admin/surveys/">Surveys</a></li>' in page.text


def test_an_admin_adds_a_survey_with_its_kinds_defaults(
    client: FlaskClient, clock: FrozenClock, admin: User
) -> None:
    page = client.get("/admin/surveys/new")

    added = client.post(
        "/admin/surveys/new",
        data={"csrf_token": csrf_from(page.text), "kind": "nps", "name": "  Quarterly NPS "},
    )

    survey = db.session.scalar(sa.select(Survey))
    assert added.status_code == 302
    assert added.headers["Location"] == f"/admin/surveys/{survey.id}"
    stored = row(survey)
    assert len(stored.pop("public_key")) == 16
    assert len(stored.pop("embed_secret")) == 43
    assert stored == {
        "id": survey.id,
        "kind": SurveyKind.NPS,
        "name": "Quarterly NPS",
        "default_language": "en",
        "texts": {
            "question": {
                "en": "How likely are you to recommend {company} to a friend or colleague?"
            },
            "followup_question": {"en": "What is the main reason for your score?"},
        },
        "company_name": "Acme",
        "satisfied_min": 9,
        "passive_min": 7,
        "delay_seconds": 0,
        "expiry_days": 30,
        "fatigue_days": 7,
        "cadence_days": 90,
        "reminder_days": None,
        "enabled": True,
        "allowed_origins": "",
        "sender_name": "",
        "sender_email": "",
        "accent_color": "#1f5fbf",
        "logo_url": "",
        "created_at": clock.now,
    }
    settings = client.get(added.headers["Location"])
    assert "Quarterly NPS added with its kind&#39;s usual settings; adjust them below." in (
        settings.text
    )


def test_a_blank_name_takes_the_kinds_name_and_a_missing_kind_adds_nothing(
    client: FlaskClient, admin: User
) -> None:
    token = csrf_from(client.get("/admin/surveys/new").text)

    missing = client.post("/admin/surveys/new", data={"csrf_token": token, "name": "X"})
    unknown = client.post("/admin/surveys/new", data={"csrf_token": token, "kind": "star"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 0
    client.post("/admin/surveys/new", data={"csrf_token": token, "kind": "ces", "name": " "})

    assert missing.status_code == unknown.status_code == 422
    assert '<p class="field-error" id="kind-error">Choose a kind.</p>' in missing.text
    assert '<p class="field-error" id="kind-error">Not a valid choice.</p>' in unknown.text
    assert 'value="X"' in missing.text
    assert db.session.scalars(sa.select(Survey.name)).all() == ["Customer effort (CES)"]


def test_an_admin_changes_every_setting(
    client: FlaskClient, clock: FrozenClock, admin: User, csat: Survey
) -> None:
    before = row(csat)
    page = client.get(f"/admin/surveys/{csat.id}")

    saved = client.post(f"/admin/surveys/{csat.id}", data=form(csrf_from(page.text), enabled=None))

    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/admin/surveys/{csat.id}"
    assert row(csat) == {
        **before,
        "name": "After-ticket CSAT",
        "texts": {
            "question": {"en": "How did {company} do?"},
            "followup_question": {"en": "Anything to add?"},
        },
        "company_name": "Acme Support",
        "delay_seconds": 3600,
        "expiry_days": 14,
        "fatigue_days": 10,
        "reminder_days": 3,
        "enabled": False,
        "allowed_origins": (
            "https://help.example.com http://localhost:3000 https://app.example.com:8443"
        ),
        "sender_name": "Acme Care",
        "sender_email": "care@example.com",
        "accent_color": "#aa3300",
        "logo_url": "https://cdn.example.com/logo.png",
    }
    # The follow-up fields were the default rule's, so the survey keeps following the default.
    assert db.session.get(FollowUpRuleSettings, csat.id) is None
    shown = client.get(f"/admin/surveys/{csat.id}")
    assert '<p class="flash flash-info">Settings saved.</p>' in shown.text
    assert "moved to another bucket" not in shown.text
    assert (
        'name="allowed_origins" rows="3">\r\nhttps://help.example.com\nhttp://localhost:3000\n'
        "https://app.example.com:8443</textarea>"
    ) in shown.text


def test_blank_reminder_days_turns_reminders_off(
    client: FlaskClient, admin: User, csat: Survey
) -> None:
    csat.reminder_days = 2
    db.session.commit()
    token = csrf_from(client.get(f"/admin/surveys/{csat.id}").text)

    client.post(f"/admin/surveys/{csat.id}", data=form(token, reminder_days=""))

    assert row(csat)["reminder_days"] is None


INVALID = [
    ("name", "   ", "must not be empty"),
    ("question", "", "must not be empty"),
    ("company_name", "", "must not be empty"),
    ("name", "n" * 201, "Field cannot be longer than 200 characters."),
    ("satisfied_min", "1", "satisfied_min must be above 1 and at most 5"),
    ("satisfied_min", "6", "satisfied_min must be above 1 and at most 5"),
    ("satisfied_min", "four", "Not a valid integer value."),
    ("satisfied_min", "", "Enter a whole number."),
    ("delay_seconds", "-1", "must be between 0 and 2592000"),
    ("delay_seconds", "2592001", "must be between 0 and 2592000"),
    ("expiry_days", "366", "must be between 1 and 365"),
    ("fatigue_days", "366", "must be between 0 and 365"),
    ("reminder_days", "14", "must be at least 1 and less than the expiry days, or empty"),
    ("reminder_days", "0", "must be at least 1 and less than the expiry days, or empty"),
    ("sender_email", "care@", "invalid address &#39;care@&#39;: There must be something after"),
    ("accent_color", "red", "must be a colour written #rrggbb, e.g. #1f5fbf"),
    ("accent_color", "#12345", "must be a colour written #rrggbb, e.g. #1f5fbf"),
    ("logo_url", "http://cdn.example.com/logo.png", "must be an https:// address of an image"),
    ("logo_url", "javascript:alert(1)", "must be an https:// address of an image"),
    (
        "allowed_origins",
        "https://ok.example.com http://help.example.com https://x.example.com/path *.example.com",
        "not an origin: http://help.example.com, https://x.example.com/path, *.example.com;",
    ),
    (
        "allowed_origins",
        "https://a.example.com:99999",
        "not an origin: https://a.example.com:99999",
    ),
    ("open_max", "5", "must be between 1 and 4, or empty to turn follow-up off"),
    ("high_max", "3", "must be between 1 and the opening score, or empty for none"),
    ("deadline_hours", "0", "must be between 1 and 2160 hours"),
    ("remind_before_hours", "48", "must be at least 0 and less than the deadline"),
    ("owner_policy", "someone", "Not a valid choice."),
]


@pytest.mark.parametrize(("field", "value", "message"), INVALID)
def test_an_invalid_field_is_named_and_nothing_is_saved(
    client: FlaskClient, admin: User, csat: Survey, field: str, value: str, message: str
) -> None:
    before = row(csat)
    token = csrf_from(client.get(f"/admin/surveys/{csat.id}").text)

    refused = client.post(f"/admin/surveys/{csat.id}", data=form(token, **{field: value}))

    assert refused.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}' in refused.text
    assert re.search(
        f'aria-describedby="({field}-hint )?{field}-error" aria-invalid="true"', refused.text
    )
    assert "Nothing was saved: 1 field needs correcting" in refused.text
    assert f'<li><a href="#{field}">' in refused.text
    assert row(csat) == before
    assert db.session.get(FollowUpRuleSettings, csat.id) is None
    # What was typed is shown again, not lost.
    assert 'name="sender_name" type="text" value="Acme Care"' in refused.text


def test_every_bad_field_is_named_at_once(client: FlaskClient, admin: User, csat: Survey) -> None:
    token = csrf_from(client.get(f"/admin/surveys/{csat.id}").text)

    refused = client.post(
        f"/admin/surveys/{csat.id}",
        data=form(token, expiry_days="400", accent_color="blue", open_max="9", logo_url="ftp://x"),
    )

    assert refused.status_code == 422
    assert "Nothing was saved: 4 fields need correcting" in refused.text
    for field in ("expiry_days", "accent_color", "open_max", "logo_url"):
        assert f'id="{field}-error"' in refused.text


def test_nps_fields_are_checked_against_the_nps_scale(
    client: FlaskClient, clock: FrozenClock, admin: User
) -> None:
    nps = survey_for_kind(SurveyKind.NPS, clock.now)
    db.session.commit()
    token = csrf_from(client.get(f"/admin/surveys/{nps.id}").text)

    too_high = client.post(
        f"/admin/surveys/{nps.id}", data=form(token, SurveyKind.NPS, passive_min="9")
    )
    no_cadence = client.post(
        f"/admin/surveys/{nps.id}", data=form(token, SurveyKind.NPS, cadence_days="0")
    )

    assert too_high.status_code == no_cadence.status_code == 422
    assert (
        '<p class="field-error" id="passive_min-error">passive_min must be above 0 and below '
        "satisfied_min (9)</p>"
    ) in too_high.text
    assert '<p class="field-error" id="cadence_days-error">must be between 1 and 730</p>' in (
        no_cadence.text
    )
    assert row(nps)["cadence_days"] == 90


def test_csat_pages_have_no_passive_or_cadence_fields(
    client: FlaskClient, admin: User, csat: Survey
) -> None:
    page = client.get(f"/admin/surveys/{csat.id}")

    assert 'name="satisfied_min"' in page.text
    assert 'name="passive_min"' not in page.text
    assert 'name="cadence_days"' not in page.text
    assert "With these thresholds: <strong>satisfied: 4-5 · unsatisfied: 1-3</strong>" in page.text


def test_new_thresholds_refile_the_stored_responses(
    client: FlaskClient, clock: FrozenClock, admin: User
) -> None:
    nps = survey_for_kind(SurveyKind.NPS, clock.now)
    db.session.commit()
    for score in range(11):
        answer(nps, score, clock)
    page = client.get(f"/admin/surveys/{nps.id}")
    assert (
        "With these thresholds: <strong>promoter: 9-10 · passive: 7-8 · detractor: 0-6</strong>"
    ) in page.text

    saved = client.post(
        f"/admin/surveys/{nps.id}",
        data=form(csrf_from(page.text), SurveyKind.NPS, satisfied_min="8", passive_min="5"),
    )

    assert saved.status_code == 302
    db.session.expire_all()
    buckets = {
        score: bucket
        for score, bucket in db.session.execute(sa.select(Response.score, Response.bucket))
    }
    assert buckets == {
        **dict.fromkeys(range(5), Bucket.DETRACTOR),
        **dict.fromkeys(range(5, 8), Bucket.PASSIVE),
        **dict.fromkeys(range(8, 11), Bucket.PROMOTER),
    }
    assert (row(nps)["satisfied_min"], row(nps)["passive_min"]) == (8, 5)
    shown = client.get(f"/admin/surveys/{nps.id}")
    assert (
        '<p class="flash flash-info">New thresholds: 3 responses moved to another bucket.</p>'
    ) in shown.text
    assert (
        "With these thresholds: <strong>promoter: 8-10 · passive: 5-7 · detractor: 0-4</strong>"
    ) in shown.text


def test_the_follow_up_rule_is_saved_as_the_command_line_shows_it(
    client: FlaskClient, runner: FlaskCliRunner, clock: FrozenClock, admin: User, csat: Survey
) -> None:
    token = csrf_from(client.get(f"/admin/surveys/{csat.id}").text)

    client.post(
        f"/admin/surveys/{csat.id}",
        data=form(
            token,
            open_max="3",
            high_max="1",
            deadline_hours="24",
            remind_before_hours="6",
            owner_policy="round_robin",
            resurvey="y",
        ),
    )

    rule = db.session.get(FollowUpRuleSettings, csat.id)
    assert (
        rule.open_max,
        rule.high_max,
        rule.deadline_hours,
        rule.remind_before_hours,
        rule.owner_policy,
        rule.resurvey,
        rule.updated_at,
    ) == (3, 1, 24, 6, OwnerPolicy.ROUND_ROBIN, True, clock.now)
    assert runner.invoke(args=["followup-rule", str(csat.id)]).output == (
        "After-ticket CSAT (csat): scores 1-3 open a case; high priority: 1-1; deadline 24 h, "
        "reminder 6 h before; owner: round_robin; re-survey: on; anonymous answers: no cases\n"
    )
    page = client.get(f"/admin/surveys/{csat.id}")
    assert 'id="open_max" max="4" min="1" name="open_max" type="number" value="3"' in page.text
    assert 'checked id="resurvey" name="resurvey" type="checkbox" value="y"' in page.text


def test_cases_for_anonymous_answers_are_off_until_asked_for_under_the_follow_up_rule(
    client: FlaskClient, runner: FlaskCliRunner, admin: User, csat: Survey
) -> None:
    page = client.get(f"/admin/surveys/{csat.id}")
    box = 'id="anonymous_cases" name="anonymous_cases" type="checkbox" value="y">'
    assert f'aria-describedby="anonymous_cases-hint" {box}' in page.text
    assert page.text.index('for="resurvey"') < page.text.index('for="anonymous_cases"')

    client.post(f"/admin/surveys/{csat.id}", data=form(csrf_from(page.text), anonymous_cases="y"))

    assert db.session.get(FollowUpRuleSettings, csat.id).anonymous_cases is True
    assert (
        "anonymous answers: open cases"
        in runner.invoke(args=["followup-rule", str(csat.id)]).output
    )
    shown = client.get(f"/admin/surveys/{csat.id}").text
    assert 'checked id="anonymous_cases" name="anonymous_cases" type="checkbox"' in shown


def test_a_blank_opening_score_turns_follow_up_off(
    client: FlaskClient, admin: User, csat: Survey
) -> None:
    token = csrf_from(client.get(f"/admin/surveys/{csat.id}").text)

    client.post(f"/admin/surveys/{csat.id}", data=form(token, open_max="", high_max=""))

    rule = db.session.get(FollowUpRuleSettings, csat.id)
    assert (rule.open_max, rule.high_max) == (None, None)


def test_the_embed_section_shows_the_key_the_snippet_and_the_secret(
    client: FlaskClient, admin: User, csat: Survey
) -> None:
    page = client.get(f"/admin/surveys/{csat.id}")

    assert page.headers["Cache-Control"] == "no-store"
    assert f"<dt>Public key</dt><dd><code>{csat.public_key}</code></dd>" in page.text
    assert (
        f'&lt;script src="http://feedback.test/embed.js" data-survey="{csat.public_key}"\n'
        '        data-customer="CUSTOMER_EMAIL_OR_ID" data-issued-at="UNIX_SECONDS"\n'
        '        data-signature="HEX_HMAC" async&gt;&lt;/script&gt;</textarea>'
    ) in page.text
    assert "<code>customer|issued_at</code>" in page.text
    assert "a signature is refused 24 hours after its time" in page.text
    assert (
        "<summary>Show the signing secret</summary>\n"
        f'    <p><code id="embed-secret">{csat.embed_secret}</code></p>'
    ) in page.text


def test_rotating_the_secret_stops_old_signatures(
    client: FlaskClient, admin: User, csat: Survey, clock: FrozenClock
) -> None:
    old = csat.embed_secret
    csat.allowed_origins = "https://help.example.com"
    db.session.commit()
    issued_at = str(int(clock.now.timestamp()))
    old_signature = sign_identity(old, "ana@example.com", issued_at)
    page = client.get(f"/admin/surveys/{csat.id}")

    rotated = client.post(
        f"/admin/surveys/{csat.id}/secret", data={"csrf_token": csrf_from(page.text)}
    )

    assert rotated.status_code == 302
    assert rotated.headers["Location"] == f"/admin/surveys/{csat.id}#embed"
    new = row(csat)["embed_secret"]
    assert new != old
    assert len(new) == 43
    embed = (
        f"/embed/{csat.public_key}?origin=https://help.example.com&customer=ana@example.com"
        f"&issued_at={issued_at}&signature="
    )
    assert client.get(embed + old_signature).status_code == 403
    assert client.get(embed + sign_identity(new, "ana@example.com", issued_at)).status_code == 200
    shown = client.get(f"/admin/surveys/{csat.id}")
    assert "New signing secret made. Embeds signed with the old one are refused" in shown.text


PAGES = [
    ("get", "/admin/surveys/"),
    ("get", "/admin/surveys/new"),
    ("post", "/admin/surveys/new"),
    ("get", "/admin/surveys/{id}"),
    ("post", "/admin/surveys/{id}"),
    ("post", "/admin/surveys/{id}/secret"),
]


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_agents_and_managers_are_refused(
    client: FlaskClient, login: Callable[..., User], csat: Survey, role: str
) -> None:
    login(role)
    token = csrf_from(client.get("/").text)
    before = row(csat)

    statuses = {
        (method, path): getattr(client, method)(
            path.format(id=csat.id), data=form(token) if method == "post" else None
        ).status_code
        for method, path in PAGES
    }

    assert set(statuses.values()) == {403}
    assert row(csat) == before
    assert '<a href="/admin/surveys/">Surveys</a>' not in client.get("/").text


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient, csat: Survey) -> None:
    token = csrf_from(client.get("/login").text)

    locations = {
        getattr(client, method)(
            path.format(id=csat.id), data={"csrf_token": token} if method == "post" else None
        ).headers.get("Location")
        for method, path in PAGES
    }

    assert locations == {
        f"/login?next={path.format(id=csat.id).replace('/', '%2F')}" for _, path in PAGES
    }


def test_a_post_without_the_csrf_token_is_refused(
    client: FlaskClient, admin: User, csat: Survey
) -> None:
    before = row(csat)

    saved = client.post(f"/admin/surveys/{csat.id}", data=form("", csrf_token=None))
    rotated = client.post(f"/admin/surveys/{csat.id}/secret")
    added = client.post("/admin/surveys/new", data={"kind": "ces"})

    assert saved.status_code == rotated.status_code == added.status_code == 400
    assert row(csat) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Survey)) == 1


def test_an_unknown_survey_is_a_404(client: FlaskClient, admin: User) -> None:
    assert client.get("/admin/surveys/999").status_code == 404
