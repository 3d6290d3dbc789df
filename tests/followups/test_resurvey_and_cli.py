"""The re-survey after resolution, and the follow-up and scheduling commands."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import Survey
from feedback_app.services.followups import Actor, CaseChange, change_case, save_rule
from surveys.cases import CaseStatus, Outcome
from surveys.followups import FollowUpRule
from tests.followups.conftest import Answer, Org
from tests.followups.support import case_of, outbox, timeline
from tests.helpers import csrf_from


def resolve_with_resurvey(answer: Answer, org: Org, clock: Any) -> tuple[Any, str]:
    """Resolve a case of a survey that re-surveys; returns the case and the link's path."""
    response = answer(1)
    save_rule(response.survey, FollowUpRule(open_max=2, resurvey=True), clock.now)
    case = case_of(response)
    assert case is not None
    resolved = CaseChange(status=CaseStatus.RESOLVED, outcome=Outcome.FIXED)
    change_case(case, resolved, Actor.of(org.manager), clock.now)
    db.session.commit()
    [email] = outbox("resurvey")
    assert (email.recipient, email.subject) == (
        "customer@example.com",
        "Did we resolve your concern?",
    )
    match = re.search(r"http://feedback\.test(/r/[\w-]+)\?answer=yes", email.payload["text"])
    assert match, email.payload["text"]
    return case, match.group(1)


def test_resolving_asks_the_customer_once_and_records_the_answer(
    client: FlaskClient, answer: Answer, org: Org, clock: Any
) -> None:
    case, path = resolve_with_resurvey(answer, org, clock)
    page = client.get(path + "?answer=yes")
    assert page.status_code == 200
    assert "Your answer: Yes." in page.text
    db.session.expire_all()
    assert case.recovered is None  # a GET (a mail scanner) records nothing
    thanks = client.post(path, data={"csrf_token": csrf_from(page.text), "yes": "Yes"})
    assert (thanks.status_code, "Thank you" in thanks.text) == (200, True)
    db.session.expire_all()
    assert (case.recovered, case.recovered_at) == (True, clock.now)
    client.post(path, data={"csrf_token": csrf_from(page.text), "no": "No"})
    db.session.expire_all()
    assert case.recovered is False
    assert [(actor, kind, data) for actor, kind, data, _ in timeline(case)[-4:]] == [
        ("manager@example.com", "outcome", {"from": None, "to": "fixed"}),
        ("system", "resurvey", {"to": "customer@example.com"}),
        ("customer", "recovery", {"resolved": True}),
        ("customer", "recovery", {"resolved": False}),
    ]
    me = Actor.of(org.manager)
    change_case(case, CaseChange(status=CaseStatus.IN_PROGRESS), me, clock.now)
    change_case(case, CaseChange(status=CaseStatus.RESOLVED, outcome=Outcome.FIXED), me, clock.now)
    assert len(outbox("resurvey")) == 1


def test_bad_links_and_forms(client: FlaskClient, answer: Answer, org: Org, clock: Any) -> None:
    case, path = resolve_with_resurvey(answer, org, clock)
    assert client.get("/r/not-a-token").status_code == 404
    assert client.post(path, data={"yes": "Yes"}).status_code == 400
    db.session.expire_all()
    assert case.recovered is None


def test_no_resurvey_by_default(answer: Answer, org: Org, clock: Any) -> None:
    case = case_of(answer(1))
    assert case is not None
    change_case(case, CaseChange(status=CaseStatus.RESOLVED, outcome=Outcome.FIXED),
                Actor.of(org.manager), clock.now)  # fmt: skip
    assert outbox("resurvey") == []


def test_followup_rule_command(app: Flask, answer: Answer, clock: Any) -> None:
    answer(5)
    survey = db.session.scalar(db.select(Survey).where(Survey.kind == "csat"))
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["followup-rule", str(survey.id)])
    assert shown.exit_code == 0, shown.output
    assert shown.output == (
        "Support satisfaction (CSAT) (csat): scores 1-2 open a case; high priority: none; "
        "deadline 48 h, reminder 12 h before; owner: team_manager; re-survey: off; "
        "anonymous answers: no cases\n"
    )
    changed = runner.invoke(args=["followup-rule", str(survey.id), "--open-max", "3",
                                  "--high-max", "1", "--deadline-hours", "24",
                                  "--owner-policy", "round_robin", "--resurvey",
                                  "--anonymous-cases"])  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert "scores 1-3 open a case; high priority: 1-1; deadline 24 h" in changed.output
    assert "owner: round_robin; re-survey: on; anonymous answers: open cases" in changed.output
    bad = runner.invoke(args=["followup-rule", str(survey.id), "--open-max", "5"])
    assert bad.exit_code == 2
    assert "--open-max" in bad.output and "between 1 and 4" in bad.output
    off = runner.invoke(args=["followup-rule", str(survey.id), "--off"])
    assert "(csat): off; high priority: none" in off.output


@pytest.mark.parametrize(
    "job", ["remind-invitations", "expire-invitations", "followup-deadlines", "weekly-digest"]
)
def test_each_job_runs_from_the_command_line(app: Flask, org: Org, job: str) -> None:
    result = app.test_cli_runner().invoke(args=["run-job", job])
    assert result.exit_code == 0, result.output
    expected = 2 if job == "weekly-digest" else 0  # the two managers' first digest
    assert result.output == f"{job}: {expected} handled\n"


def test_dev_refuses_to_run_in_production(app: Flask) -> None:
    app.config["ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["dev", "--port", "5101"])
    assert result.exit_code == 1
    assert "feedback serve" in result.output and "feedback worker" in result.output


def test_a_french_customer_is_asked_and_answered_in_french(
    client: FlaskClient, answer: Answer, org: Org, clock: Any
) -> None:
    response = answer(1)
    response.customer.locale = "fr"
    save_rule(response.survey, FollowUpRule(open_max=2, resurvey=True), clock.now)
    resolved = CaseChange(status=CaseStatus.RESOLVED, outcome=Outcome.FIXED)
    change_case(case_of(response), resolved, Actor.of(org.manager), clock.now)
    db.session.commit()

    [email] = outbox("resurvey")
    assert email.subject == "Avons-nous résolu votre problème ?"
    assert "Nous avons donné suite à votre avis sur " in email.payload["text"]
    match = re.search(r"http://feedback\.test(/r/[\w-]+)\?answer=no", email.payload["text"])
    assert match, email.payload["text"]
    page = client.get(match.group(1) + "?answer=no")
    assert "Avons-nous résolu votre problème ?" in html.unescape(page.text)
    assert (
        "Votre réponse : Non. Appuyez dessus pour confirmer, ou choisissez l'autre."
        in html.unescape(page.text)
    )
