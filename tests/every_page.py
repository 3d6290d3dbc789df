"""Every GET route of the app, with real data behind it, for tests that must visit them all.

The demo seeds a support team's surveys, answers, cases and emails through the real services;
what it makes none of (a webhook endpoint, a re-survey link, an unsubscribe) is added here the
way the product makes it. ``Site.urls`` fills each route's arguments and fails on one it
cannot fill, so a new route with a new kind of argument is not silently left out.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from feedback_app.accounts import resets, users
from feedback_app.channels.aliases import set_alias
from feedback_app.connectors.receiving import receive
from feedback_app.connectors.setup import create_connector
from feedback_app.demo import LOGINS, DemoSize, seed_demo
from feedback_app.extensions import db
from feedback_app.models import (
    ConnectorDelivery,
    FollowUpCase,
    Interaction,
    Invitation,
    MailboxMessage,
    OutboxMessage,
    ReviewTag,
    Role,
    Survey,
    Team,
    User,
    WebhookEndpoint,
    WebhookFormat,
)
from feedback_app.questions.editing import add_question
from feedback_app.routing.service import add_rule
from feedback_app.services.followups import Actor, CaseChange, change_case, save_rule
from feedback_app.services.invitations import token_for
from feedback_app.services.suppression import customer_for_email, unsubscribe
from feedback_app.services.surveys import survey_for_kind
from feedback_app.targets.service import TargetInput, save_target
from surveys.bucketing import Bucket
from surveys.cases import ACTIVE, CaseStatus, Outcome
from surveys.followups import DEFAULT_RULES
from surveys.invitations import InvitationStatus
from surveys.kinds import SurveyKind
from surveys.questions import QuestionDraft, QuestionType
from surveys.routing import Conditions

#: Small enough to seed in a few seconds, large enough for every page to have rows.
SIZE = DemoSize(customers=30, days=10, interactions_per_day=4)
#: The demo's password of each role's first login.
PASSWORDS = {role.value: password for _, password, role, _ in reversed(LOGINS)}
EMAILS = {role.value: email for email, _, role, _ in reversed(LOGINS)}
#: The site the survey is embedded on.
EMBEDDING_SITE = "https://help.example.com"
#: The query a route cannot answer without.
QUERIES = {
    "api.metrics.metrics": {"kind": "csat"},
    "api.themes.themes": {"kind": "csat"},
    "embed.widget": {"origin": EMBEDDING_SITE},
    "routing.test": {"kind": "csat", "channel": "chat", "tag": "vip"},
}


@dataclass(frozen=True)
class Site:
    """The seeded rows each page is shown for."""

    survey: Survey
    #: An invitation sent and not answered yet, and one already answered.
    open_invitation: Invitation
    answered_invitation: Invitation
    #: The path of a re-survey link, ``/r/<token>``.
    recovery_path: str
    #: URL arguments by name (``token`` is the open invitation's).
    arguments: Mapping[str, str | int]

    def urls(self, app: Flask) -> dict[str, str]:
        """Each GET route's endpoint and its path with real arguments; fails on an unknown one."""
        adapter = app.url_map.bind("feedback.test")
        urls = {}
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()):
                continue
            unknown = set(rule.arguments) - set(self.arguments)
            assert not unknown, f"{rule.rule}: no value for {sorted(unknown)}; add one to Site"
            values = {name: self.arguments[name] for name in rule.arguments}
            values.update(QUERIES.get(rule.endpoint, {}))
            urls[rule.endpoint] = adapter.build(rule.endpoint, values)
        urls["recovery.answer"] = self.recovery_path
        return urls


def seed_site(now: datetime) -> Site:
    """Seed the demo as of ``now`` and the rows it lacks; returns what the pages show."""
    seed_demo(now, SIZE, progress=lambda _line: None)
    endpoint = WebhookEndpoint(
        url="https://hooks.example.com/feedback",
        events=["response.created"],
        format=WebhookFormat.STANDARD,
        secret="whsec_" + "A" * 32,
        active=True,
        created_at=now,
    )
    db.session.add(endpoint)
    connector = create_connector("freshdesk", "Support desk", now)
    # An admin's alias: the channels page lists it with its remove button.
    set_alias("tg", "Telegram", now)
    receive(connector, {}, b"{}", now)
    delivery_id = db.session.scalar(sa.select(sa.func.max(ConnectorDelivery.id)))
    survey = survey_for_kind(SurveyKind.CSAT, now)
    survey.allowed_origins = EMBEDDING_SITE
    rule = add_rule(SurveyKind.CSAT, survey.id, Conditions(channel="chat", tag="vip"), now)
    target = save_target(TargetInput("csat", 85.0, (now + timedelta(days=60)).date()), now)
    question = add_question(
        survey,
        QuestionDraft(
            QuestionType.ONE_CHOICE,
            {"en": "What was the main reason?"},
            True,
            frozenset({Bucket.UNSATISFIED}),
            ((None, {"en": "Too slow"}), (None, {"en": "Not solved"})),
        ),
        now,
    )
    recovery_path = _resurvey(now)
    opted_out, _ = unsubscribe(
        customer_for_email("opted.out@example.com", now), None, "admin", now, "Asked by phone"
    )
    db.session.commit()
    setup_token, reset_token = _account_links(now)
    mail = db.session.scalar(
        sa.select(MailboxMessage).where(MailboxMessage.html != "").order_by(MailboxMessage.id)
    )
    interaction = db.session.scalar(sa.select(Interaction).order_by(Interaction.id))
    case = db.session.scalar(sa.select(FollowUpCase).order_by(FollowUpCase.id))
    team = db.session.scalar(sa.select(Team).order_by(Team.id))
    open_invitation = _latest(survey, InvitationStatus.SENT)
    assert mail and interaction and case and team and open_invitation
    return Site(
        survey=survey,
        open_invitation=open_invitation,
        answered_invitation=_latest(survey, InvitationStatus.RESPONDED),
        recovery_path=recovery_path,
        arguments={
            "survey_id": survey.id,
            "case_id": case.id,
            "response_id": case.response_id,
            "interaction_id": interaction.id,
            "endpoint_id": endpoint.id,
            "connector_id": connector.id,
            "delivery_id": delivery_id,
            "rule_id": rule.id,
            "target_id": target.id,
            "question_id": question.id,
            "message_id": mail.id,
            "record_id": opted_out.id,
            "token": token_for(open_invitation),
            "public_key": survey.public_key,
            "email": open_invitation.customer.email,
            "filename": "css/app.css",
            "user_id": db.session.scalar(sa.select(User.id).where(User.email == EMAILS["agent"])),
            "team_id": team.id,
            "tag_id": db.session.scalar(
                sa.select(ReviewTag.id).where(ReviewTag.team_id.is_not(None))
            ),
            "setup_token": setup_token,
            "reset_token": reset_token,
        },
    )


def _account_links(now: datetime) -> tuple[str, str]:
    """A new colleague invited and an agent's forgotten password asked for, as the pages do;
    the tokens of the links their emails carry."""
    users.invite("new.colleague@example.com", Role.AGENT, "Alex Admin", now)
    resets.request_reset(EMAILS["agent"], now)
    resets.send_requested_resets(now)
    return _link_in("account_setup", "setup"), _link_in("password_reset", "reset")


def _link_in(purpose: str, kind: str) -> str:
    email = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.purpose == purpose))
    assert email is not None
    match = re.search(rf"/account/{kind}/([\w-]+)", email.payload["text"])
    assert match, email.payload["text"]
    return match.group(1)


def _latest(survey: Survey, status: InvitationStatus) -> Invitation:
    invitation = db.session.scalar(
        sa.select(Invitation)
        .where(Invitation.survey_id == survey.id, Invitation.status == status)
        .order_by(Invitation.id.desc())
    )
    assert invitation is not None, f"the demo has no {status.value} invitation"
    return invitation


def _resurvey(now: datetime) -> str:
    """Resolve an open case of a survey that re-surveys; the path of the link it emails."""
    case = db.session.scalar(
        sa.select(FollowUpCase).where(FollowUpCase.status.in_(ACTIVE)).order_by(FollowUpCase.id)
    )
    assert case is not None, "the demo has no open case"
    save_rule(case.survey, dataclasses.replace(DEFAULT_RULES[case.survey.kind], resurvey=True), now)
    manager = db.session.scalar(sa.select(User).where(User.email == EMAILS["manager"]))
    change_case(
        case, CaseChange(status=CaseStatus.RESOLVED, outcome=Outcome.FIXED), Actor.of(manager), now
    )
    email = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.purpose == "resurvey"))
    assert email is not None
    match = re.search(r"(/r/[\w-]+)", email.payload["text"])
    assert match, email.payload["text"]
    return match.group(1)
