"""``feedback demo`` seeds a working demo through the real services, once."""

from __future__ import annotations

import csv
from importlib import resources

import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import (
    Customer,
    Interaction,
    Invitation,
    Response,
    Team,
    User,
)
from feedback_app.services.support.rollups import support_rollup_differences
from surveys import classify
from surveys.invitations import InvitationStatus
from surveys.kinds import SurveyKind


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_demo_seeds_every_kind_through_the_services_and_only_once(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["demo", "--customers", "60", "--days", "20", "--per-day", "4", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-5:] == [
        "  admin    admin@example.com      password: admin-demo",
        "  manager  manager@example.com    password: manager-demo",
        "  manager  lead@example.com       password: manager-demo",
        "  agent    ana@example.com        password: agent-demo",
        "  agent    ben@example.com        password: agent-demo",
    ]
    assert count(User) == 5
    assert count(Team) == 3
    assert count(Customer) == 60
    assert count(Interaction) > 40
    kinds = set(db.session.scalars(sa.select(Response.kind).distinct()))
    assert kinds == set(SurveyKind)
    for response in db.session.scalars(sa.select(Response)):
        assert response.bucket is classify(
            response.kind, response.score, response.survey.thresholds
        )
        assert response.invitation.status is InvitationStatus.RESPONDED
    # The last day is left for the scheduler to send.
    scheduled = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .where(Invitation.status == InvitationStatus.SCHEDULED)
    )
    assert scheduled > 0
    # Topics, abandoned calls and chats, and handle time by its parts on the live channels.
    interactions = db.session.scalars(sa.select(Interaction)).all()
    assert all(i.topic for i in interactions)
    abandoned = [i for i in interactions if not i.answered]
    assert abandoned and {i.channel for i in abandoned} <= {"Chat", "Phone"}
    assert all(i.agent_id is None for i in abandoned)
    live = [i for i in interactions if i.answered and i.channel in ("Chat", "Phone")]
    assert live and all(i.talk_seconds is not None for i in live)
    assert support_rollup_differences() == []
    # Comments fit the survey and the score, in the customer's language.
    with resources.files("feedback_app").joinpath("demo_data/comments.csv").open() as rows:
        written = {(r["kind"], r["language"], r["comment"]) for r in csv.DictReader(rows)}
    commented = db.session.scalars(sa.select(Response).where(Response.comment != "")).all()
    assert len(commented) > 10
    for response in commented:
        language = "fr" if response.customer.locale == "fr" else "en"
        assert (response.kind.value, language, response.comment) in written

    before = count(Response)
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0
    assert "the demo was not seeded again" in again.output
    assert count(Response) == before
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code == 1
    assert "the database already has users" in refused.output
