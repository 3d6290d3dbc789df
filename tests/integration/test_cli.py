"""The admin commands: accounts, API keys, rebucketing."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import ApiKey, FollowUpCase, Invitation, Response, Role, User
from feedback_app.services.responses import lock_invitation, record_response
from feedback_app.services.settling import settle_answers
from feedback_app.services.surveys import survey_for_kind
from surveys import Bucket, SurveyKind
from surveys.answers import ResponseSource
from surveys.tokens import hash_token
from tests.helpers import FrozenClock


def test_create_user_reads_the_password_from_stdin(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "Ada@Example.com", "--role", "manager", "--password-stdin"],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output == "created manager ada@example.com\n"
    user = db.session.scalar(sa.select(User))
    assert (user.email, user.role) == ("ada@example.com", Role.MANAGER)
    assert user.check_password("correct horse battery")


def test_create_user_without_a_terminal_prints_a_generated_password(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-user", "ops@example.com", "--role", "admin"])
    assert result.exit_code == 0, result.output
    first, second = result.output.splitlines()
    assert first == "created admin ops@example.com"
    password = second.removeprefix("password: ")
    assert db.session.scalar(sa.select(User)).check_password(password)


def test_create_user_refuses_bad_input(runner: FlaskCliRunner) -> None:
    bad_email = runner.invoke(args=["create-user", "not-an-email", "--role", "agent"])
    assert bad_email.exit_code == 2
    assert "Error: Invalid value for EMAIL: An email address must have an @-sign." in (
        bad_email.output
    )
    bad_role = runner.invoke(args=["create-user", "a@example.com", "--role", "owner"])
    assert bad_role.exit_code == 2
    short = runner.invoke(
        args=["create-user", "a@example.com", "--role", "agent", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code == 1
    assert "the password must have at least 8 characters" in short.output
    runner.invoke(args=["create-user", "a@example.com", "--role", "agent"])
    again = runner.invoke(args=["create-user", "A@example.com", "--role", "agent"])
    assert again.exit_code == 1
    assert "a user with email a@example.com already exists" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_api_key_is_printed_once_and_stored_hashed(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["api-key", "create", "Zendesk", "--scope", "ingest"])
    assert result.exit_code == 0
    key = result.output.strip()
    stored = db.session.scalar(sa.select(ApiKey))
    assert stored.key_hash == hash_token(key)
    assert key not in (stored.key_hash, stored.prefix)
    listing = runner.invoke(args=["api-key", "list"]).output
    assert listing.startswith(f"{key[:10]}…\tZendesk\tactive\tingest\t")
    revoked = runner.invoke(args=["api-key", "revoke", key[:10]])
    assert revoked.output == "revoked Zendesk\n"
    assert db.session.scalar(sa.select(ApiKey)).revoked_at is not None


def test_rebucket_refiles_responses_after_a_threshold_change(
    runner: FlaskCliRunner, clock: FrozenClock
) -> None:
    survey = survey_for_kind(SurveyKind.CSAT, clock.now)
    for score in (1, 3, 4, 5):
        bucket = Bucket.SATISFIED if score >= 4 else Bucket.UNSATISFIED
        db.session.add(
            Response(
                survey=survey,
                kind=SurveyKind.CSAT,
                score=score,
                bucket=bucket,
                source="page",
                created_at=clock.now,
                updated_at=clock.now,
            )
        )
    survey.satisfied_min = 5
    db.session.commit()
    result = runner.invoke(args=["rebucket"])
    assert result.output == "1 responses re-filed in 1 surveys\n"
    rows = db.session.execute(sa.select(Response.score, Response.bucket).order_by(Response.score))
    assert rows.all() == [
        (1, Bucket.UNSATISFIED),
        (3, Bucket.UNSATISFIED),
        (4, Bucket.UNSATISFIED),
        (5, Bucket.SATISFIED),
    ]
    assert runner.invoke(args=["rebucket"]).output == "0 responses re-filed\n"


def test_rebucket_refiles_follow_up_cases_with_their_response(
    runner: FlaskCliRunner,
    make_invitation: Callable[..., tuple[Invitation, str]],
    clock: FrozenClock,
) -> None:
    invitation, _ = make_invitation("nps")
    answer = record_response(
        invitation.survey,
        6,
        "slow",
        clock.now,
        source=ResponseSource.PAGE,
        invitation=lock_invitation(invitation),
    )
    settle_answers()
    case = db.session.scalar(sa.select(FollowUpCase))
    assert (case.score, case.bucket) == (6, Bucket.DETRACTOR)
    invitation.survey.passive_min = 6
    db.session.commit()
    assert runner.invoke(args=["rebucket"]).output == "1 responses re-filed in 1 surveys\n"
    db.session.expire_all()
    assert answer.bucket is Bucket.PASSIVE
    assert db.session.get(FollowUpCase, case.id).bucket is Bucket.PASSIVE


def test_run_job_rejects_an_unknown_job(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["run-job", "nope"])
    assert result.exit_code == 2
    assert "unknown job; one of: " in result.output
