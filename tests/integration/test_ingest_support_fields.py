"""The ingest service takes what the support KPIs need: topic, answered, the parts of
handle time, a first response duration, anonymous contacts and agents known by name."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from feedback_app.extensions import db
from feedback_app.ingest.interactions import InteractionInput, ingest_interaction
from feedback_app.ingest.people import AgentInput, CustomerInput
from feedback_app.models import Agent, Interaction, Invitation
from feedback_app.services.support.figures import support_report
from feedback_app.services.support.settling import backlog, settle_interactions
from feedback_app.services.surveys import survey_for_kind
from surveys import channels
from surveys.kinds import SurveyKind

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def call(**fields: object) -> InteractionInput:
    return InteractionInput(
        **{
            "external_id": "CALL-1",
            "customer": CustomerInput(email="caller@example.com"),
            "channel": channels.PHONE,
            "opened_at": NOW - timedelta(hours=1),
            **fields,
        }  # type: ignore[arg-type]
    )


def test_the_new_fields_are_stored_and_counted(app: Flask) -> None:
    result = ingest_interaction(
        call(
            topic="  Billing  ",
            talk_seconds=240,
            hold_seconds=30,
            after_work_seconds=45,
            first_response_seconds=12,
            resolved_at=NOW,
            survey=None,
        ),
        NOW,
    )
    row = result.interaction
    assert (row.topic, row.answered, row.talk_seconds, row.hold_seconds) == (
        "Billing",
        True,
        240,
        30,
    )
    assert (row.after_work_seconds, row.first_response_seconds) == (45, 12)
    assert backlog() == (1, NOW)
    assert settle_interactions() == 1
    figures = support_report(date(2026, 3, 2), date(2026, 3, 2), min_n=1).figures
    assert (figures["handle_time"].value, figures["first_response_mean"].value) == (315.0, 12.0)
    # Posted again as abandoned: it moves out of every figure but the volume and abandonment.
    ingest_interaction(call(answered=False, topic="", survey=None), NOW)
    assert settle_interactions() == 1
    figures = support_report(date(2026, 3, 2), date(2026, 3, 2), min_n=1).figures
    assert (figures["volume"].n, figures["abandonment"].value) == (1, 100.0)
    assert (figures["handle_time"].n, figures["fcr"].n) == (0, 0)
    assert db.session.get(Interaction, row.id).topic is None  # type: ignore[union-attr]


def test_a_topic_longer_than_a_name_is_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="at most 200 characters"):
        ingest_interaction(call(topic="x" * 201), NOW)
    assert db.session.scalars(sa.select(Interaction)).all() == []


def test_an_anonymous_contact_is_kept_and_never_surveyed(app: Flask) -> None:
    result = ingest_interaction(call(customer=None, survey=SurveyKind.CSAT), NOW)
    assert (result.created, result.invitation, result.interaction.customer_id) == (
        True,
        None,
        None,
    )
    assert db.session.scalars(sa.select(Invitation)).all() == []
    settle_interactions()
    assert support_report(date(2026, 3, 2), date(2026, 3, 2)).figures["volume"].n == 1


def test_agents_by_name_then_by_email(app: Flask) -> None:
    ingest_interaction(call(agent=AgentInput(name="Greg")), NOW)
    ingest_interaction(call(external_id="CALL-2", agent=AgentInput(name="Greg")), NOW)
    ingest_interaction(
        call(external_id="CALL-3", agent=AgentInput(email="greg@example.com", name="Greg")), NOW
    )
    agents = db.session.scalars(sa.select(Agent)).all()
    assert [(a.email, a.name) for a in agents] == [("greg@example.com", "Greg")]
    with pytest.raises(ValueError, match="an agent needs an email or a name"):
        AgentInput(name="")


def test_a_new_customers_interaction_reads_and_locks_nothing_it_need_not(app: Flask) -> None:
    """A customer added by this post has no invitation, opt-out or bounce to read, and its
    rows are not reloaded to answer: the channel's aliases and labels read in one query (its
    label added on first use), then four statements, each a row to find or to add."""
    survey_for_kind(SurveyKind.CSAT, NOW)
    db.session.commit()
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()[:3]))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = ingest_interaction(call(survey=SurveyKind.CSAT), NOW)
        assert result.invitation is not None
        answer = (
            result.interaction.id,
            result.invitation.status.value,
            result.invitation.survey.kind,
        )
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert answer == (1, "scheduled", SurveyKind.CSAT)
    assert [s.split()[0] + " " + s.split()[-1] for s in statements] == [
        "SELECT channel_aliases.label,",  # the channel aliases and labels
        "INSERT channel_labels",  # the channel's label, new
        "INSERT customers",  # the customer, unless stored, and whether it was forgotten
        "SELECT surveys.kind,",  # the kind's surveys, the default first, and their rules
        "INSERT interactions",  # the interaction, unless stored
        "INSERT invitations",  # the invitation
    ]
