"""Routing rules as stored: choosing a contact's survey, and the admin's changes to the rules.

The changes flush and record their audit event; the caller commits, so a refused change
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import Customer, DefaultSurvey, RoutingRule, Survey
from feedback_app.services.surveys import create_survey
from surveys.kinds import SurveyKind
from surveys.ordering import move_one_step
from surveys.routing import Conditions, Contact, InvalidRoutingRule, Route, Rule, first_match


@dataclass(frozen=True)
class Routed:
    """The survey a contact goes to, and the rule that chose it (None: the kind's default,
    or a survey the caller gave, such as a connector's own)."""

    survey: Survey
    route: Route | None
    given: bool = False

    @property
    def rule_id(self) -> int | None:
        return self.route.rule.id if self.route else None

    @property
    def reason(self) -> str:
        """Why, in words: the rule's place and conditions, or the default."""
        if self.given:
            return "the connector's own survey"
        if self.route is None:
            return f"no rule matched: the default {self.survey.kind.value.upper()} survey"
        return f"rule {self.route.position}: {self.route.rule.conditions.described()}"


def rules_of(kind: SurveyKind) -> list[RoutingRule]:
    """The kind's rules in the order they are tried, each with its survey loaded."""
    return list(
        db.session.scalars(
            sa.select(RoutingRule)
            .where(RoutingRule.kind == kind)
            .options(joinedload(RoutingRule.survey))
            .order_by(RoutingRule.position, RoutingRule.id)
        )
    )


def default_survey(kind: SurveyKind, now: datetime) -> Survey:
    """The survey the admin picked as the kind's default, else its oldest (made with the
    kind's defaults when there is none yet). It may be disabled: its invitations are then
    recorded as suppressed, ``survey_disabled``."""
    survey = db.session.scalar(
        sa.select(Survey)
        .outerjoin(DefaultSurvey, DefaultSurvey.survey_id == Survey.id)
        .where(Survey.kind == kind)
        .order_by(DefaultSurvey.survey_id.is_(None), Survey.id)
        .limit(1)
    )
    return survey if survey is not None else create_survey(kind, now)


def choose_survey(kind: SurveyKind, contact: Contact, now: datetime) -> Routed:
    """The survey of ``kind`` that ``contact`` goes to: the first matching rule's, or the
    default."""
    return router(kind, now)(contact)


#: ``router``'s query, built once: building it cost more than the database took to run it.
_SURVEYS_AND_RULES = (
    sa.select(Survey, RoutingRule)
    .outerjoin(DefaultSurvey, DefaultSurvey.survey_id == Survey.id)
    .outerjoin(
        RoutingRule,
        sa.and_(RoutingRule.survey_id == Survey.id, RoutingRule.kind == sa.bindparam("kind")),
    )
    .where(Survey.kind == sa.bindparam("kind"))
    .order_by(DefaultSurvey.survey_id.is_(None), Survey.id)
)


def router(kind: SurveyKind, now: datetime) -> Callable[[Contact], Routed]:
    """``choose_survey`` for many contacts: the rules and the default read once, in one
    query (every interaction posted runs it): the kind's surveys, the default first, each
    with its rules."""
    rows = db.session.execute(_SURVEYS_AND_RULES, {"kind": kind}).all()
    stored = sorted(
        (rule for _, rule in rows if rule is not None), key=lambda rule: (rule.position, rule.id)
    )
    rules = [_rule(row) for row in stored]
    default: list[Survey] = [rows[0][0]] if rows else []

    def choose(contact: Contact) -> Routed:
        chosen = first_match(rules, contact)
        if chosen is None:
            default[:] = default or [default_survey(kind, now)]
            return Routed(default[0], None)
        return Routed(stored[chosen.position - 1].survey, chosen)

    return choose


def customer_contact(customer: Customer) -> Contact:
    """What NPS rules look at: an enrolment has no ticket, only its customer's locale and
    properties, at enrolment and at each periodic invitation alike."""
    return Contact(locale=customer.locale, properties=customer.properties)


def _rule(row: RoutingRule) -> Rule:
    return Rule(id=row.id, survey_id=row.survey_id, conditions=row.conditions)


def _survey_of(kind: SurveyKind, survey_id: int | None) -> Survey:
    survey = db.session.get(Survey, survey_id) if survey_id is not None else None
    if survey is None or survey.kind is not kind:
        raise InvalidRoutingRule(f"must be one of the {kind.value.upper()} surveys", "survey")
    return survey


def _write(rule: RoutingRule, survey: Survey, conditions: Conditions, now: datetime) -> None:
    rule.survey = survey
    rule.channel = conditions.channel
    rule.team = conditions.team
    rule.source = conditions.source
    rule.locale = conditions.locale
    rule.property_name = conditions.property_name
    rule.property_value = conditions.property_value
    rule.tag = conditions.tag
    rule.updated_at = now


def _details(rule: RoutingRule) -> dict[str, object]:
    return {"kind": rule.kind, "survey": rule.survey_id, "when": rule.conditions.described()}


def add_rule(
    kind: SurveyKind, survey_id: int | None, conditions: Conditions, now: datetime
) -> RoutingRule:
    """Add a rule last in the kind's order; ``InvalidRoutingRule`` for a survey not of it."""
    survey = _survey_of(kind, survey_id)
    last = db.session.scalar(
        sa.select(sa.func.max(RoutingRule.position)).where(RoutingRule.kind == kind)
    )
    rule = RoutingRule(kind=kind, position=(last or 0) + 1, created_at=now)
    _write(rule, survey, conditions, now)
    db.session.add(rule)
    db.session.flush()
    audit.record("routing.rule_added", f"routing_rule:{rule.id}", _details(rule))
    return rule


def change_rule(
    rule: RoutingRule, survey_id: int | None, conditions: Conditions, now: datetime
) -> None:
    """Give the rule another survey or other conditions; its place stays."""
    _write(rule, _survey_of(rule.kind, survey_id), conditions, now)
    db.session.flush()
    audit.record("routing.rule_changed", f"routing_rule:{rule.id}", _details(rule))


def delete_rule(rule: RoutingRule) -> None:
    audit.record("routing.rule_deleted", f"routing_rule:{rule.id}", _details(rule))
    db.session.delete(rule)
    db.session.flush()


def move_rule(rule: RoutingRule, step: int, now: datetime) -> bool:
    """Swap the rule with its neighbour before (``step`` -1) or after (+1) it; False when
    it is already first or last. Positions are renumbered from 1 on the way."""
    rules = rules_of(rule.kind)
    at = rules.index(rule)
    to = move_one_step(rules, rule, step)
    if to is None:
        return False
    rule.updated_at = now
    db.session.flush()
    audit.record(
        "routing.rule_moved",
        f"routing_rule:{rule.id}",
        {"kind": rule.kind, "from": at + 1, "to": to + 1},
    )
    return True


def set_default(kind: SurveyKind, survey_id: int | None) -> None:
    """Make the survey the kind's default; ``None`` goes back to its oldest survey."""
    row = db.session.get(DefaultSurvey, kind)
    if survey_id is None:
        if row is not None:
            db.session.delete(row)
    else:
        survey = _survey_of(kind, survey_id)
        if row is None:
            row = DefaultSurvey(kind=kind)
            db.session.add(row)
        row.survey = survey
    db.session.flush()
    audit.record("routing.default_changed", f"kind:{kind.value}", {"survey": survey_id})
