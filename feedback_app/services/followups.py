"""Follow-up cases: opened by low responses, changed by their owners, kept moving by jobs.

Every change goes through ``change_case`` (pages, bulk actions and the API alike), writes a
timeline event and queues its emails and webhooks in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import (
    CaseEvent,
    EventKind,
    FollowUpCase,
    FollowUpRuleSettings,
    Response,
    Role,
    Survey,
    User,
)
from feedback_app.services import followup_notices as notices
from feedback_app.services.claims import claim
from feedback_app.services.transaction_cache import per_transaction
from surveys.cases import (
    ACTIVE,
    CLOSED,
    CONTACT_STATES,
    CaseStatus,
    DueAction,
    InvalidCaseChange,
    Outcome,
    check_outcome,
    due_action,
    transition,
    within_deadline,
)
from surveys.followups import (
    DEFAULT_RULES,
    FollowUpRule,
    OwnerPolicy,
    check_rule,
    choose_owner,
    opens_case,
    plan_followup,
    priority_for,
    wants_resurvey,
    wants_round_robin,
)
from surveys.tokens import hash_token

#: Cases handled per run of the deadline job; the next run takes the rest.
BATCH_SIZE = 100


@dataclass(frozen=True)
class Actor:
    """Who makes a change, as the timeline shows it."""

    label: str
    user: User | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.email, user)


SYSTEM = Actor("system")
CUSTOMER = Actor("customer")


@dataclass(frozen=True)
class CaseChange:
    """What an owner asks to change; ``None`` leaves a field as it is."""

    status: CaseStatus | None = None
    outcome: Outcome | None = None
    owner_id: int | None = None
    #: Take the case away from its owner (back to the unassigned queue).
    unassign: bool = False
    note: str = ""


def rule_for(survey: Survey) -> FollowUpRule:
    """The survey's own follow-up rule, or its kind's default."""
    settings = survey.followup_rule
    return settings.as_rule() if settings is not None else DEFAULT_RULES[survey.kind]


def save_rule(survey: Survey, rule: FollowUpRule, now: datetime) -> FollowUpRuleSettings:
    """Check ``rule`` against the survey's scale and store it; flushes only."""
    check_rule(survey.kind, rule)
    settings = survey.followup_rule or FollowUpRuleSettings(survey_id=survey.id)
    settings.open_max = rule.open_max
    settings.high_max = rule.high_max
    settings.deadline_hours = rule.deadline_hours
    settings.remind_before_hours = rule.remind_before_hours
    settings.owner_policy = rule.owner_policy
    settings.resurvey = rule.resurvey
    settings.anonymous_cases = rule.anonymous_cases
    settings.updated_at = now
    survey.followup_rule = settings
    db.session.flush()
    return settings


def sync_case(response: Response, now: datetime, *, created: bool) -> FollowUpCase | None:
    """Open a case for a low response, or bring its case up to date after an edit.

    Called as each answer is settled (``services.settling``); does not commit, and flushes
    a new case only when its alert needs the case's id. A score raised above the threshold
    marks the case (``score_raised_at``) but keeps it, since someone may already be talking
    to the customer.

    :param created: the response is new, so it cannot have a case yet.
    """
    rule = rule_for(response.survey)
    case = None
    if not created:
        case = db.session.scalar(
            sa.select(FollowUpCase).where(FollowUpCase.response_id == response.id)
        )
    if case is None:
        anonymous = response.customer_id is None and response.invitation_id is None
        plan = plan_followup(rule, response.score, now, anonymous=anonymous)
        if plan is None:
            return None
        owner, by_round_robin = _choose_owner(rule, response)
        case = FollowUpCase(
            response=response,
            survey_id=response.survey_id,
            customer_id=response.customer_id,
            interaction_id=response.interaction_id,
            team_id=response.team_id,
            agent_id=response.agent_id,
            kind=response.kind,
            score=response.score,
            bucket=response.bucket,
            opening_score=response.score,
            priority=plan.priority,
            status=CaseStatus.OPEN,
            owner=owner,
            round_robin=by_round_robin,
            opened_at=now,
            due_at=plan.due_at,
            remind_at=plan.remind_at,
            updated_at=now,
        )
        # Not flushed: a batch of answers inserts its cases and their events together.
        db.session.add(case)
        _event(case, SYSTEM, now, EventKind.OPENED, score=case.score, priority=case.priority)
        if owner is not None:
            _event(case, SYSTEM, now, EventKind.ASSIGNED, to=owner.email)
        notices.case_opened(case, now)
        return case
    if case.score == response.score and case.bucket == response.bucket:
        return case
    low = opens_case(rule, response.score)
    _event(
        case,
        CUSTOMER,
        now,
        EventKind.SCORE,
        **{"from": case.score, "to": response.score, "above_threshold": not low},
    )
    case.score = response.score
    case.bucket = response.bucket
    if low:
        case.priority = priority_for(rule, response.score)
        case.score_raised_at = None
    elif case.score_raised_at is None:
        case.score_raised_at = now
    case.updated_at = now
    db.session.flush()
    notices.case_updated(case, now)
    return case


def change_case(case: FollowUpCase, change: CaseChange, actor: Actor, now: datetime) -> bool:
    """Apply ``change`` after checking all of it; flushes only. Returns whether anything changed.

    :raises InvalidCaseChange: naming the field (status, outcome, owner, note) that is wrong;
        nothing is applied then.
    """
    new_owner = _check_change(case, change)
    changed = False
    if change.status is not None and change.status is not case.status:
        _move(case, change.status, change.outcome, actor, now)
        changed = True
    elif change.outcome is not None and change.outcome is not case.outcome:
        _event(case, actor, now, EventKind.OUTCOME, **{"from": case.outcome, "to": change.outcome})
        case.outcome = change.outcome
        changed = True
    if (change.unassign or new_owner is not None) and new_owner != case.owner:
        _event(
            case,
            actor,
            now,
            EventKind.ASSIGNED,
            **{"from": case.owner.email if case.owner else None},
            to=new_owner.email if new_owner else None,
        )
        case.owner = new_owner
        case.round_robin = False
        if new_owner is not None and new_owner != actor.user:
            notices.case_assigned(case, now)
        changed = True
    if change.note.strip():
        _event(case, actor, now, EventKind.NOTE, body=change.note.strip())
        changed = True
    if changed:
        case.updated_at = now
        db.session.flush()
        notices.case_updated(case, now)
    return changed


def write_to_customer(
    case: FollowUpCase, author: User, subject: str, body: str, now: datetime
) -> CaseEvent:
    """Queue an email from ``author`` to the case's customer, replies going to the author.

    Counts as first contact. Flushes only.
    """
    errors = {}
    if case.customer is None:
        errors["to"] = "this response is anonymous; there is no address to write to"
    if not subject.strip():
        errors["subject"] = "a subject is required"
    if not body.strip():
        errors["body"] = "a message is required"
    if errors:
        field, message = next(iter(errors.items()))
        raise InvalidCaseChange(message, field)
    event = _event(
        case, Actor.of(author), now, EventKind.MESSAGE, body=body.strip(), subject=subject.strip()
    )
    if case.first_contact_at is None:
        case.first_contact_at = now
    case.updated_at = now
    db.session.flush()
    notices.message_to_customer(case, author, subject.strip(), body.strip(), now)
    notices.case_updated(case, now)
    return event


def case_for_resurvey(token: str) -> FollowUpCase | None:
    """The case whose re-survey link carries ``token``, if any."""
    if not token or len(token) > 128:
        return None
    return db.session.scalar(
        sa.select(FollowUpCase).where(FollowUpCase.resurvey_token_hash == hash_token(token))
    )


def record_recovery(case: FollowUpCase, resolved: bool, now: datetime) -> bool:
    """Store the customer's answer to "Did we resolve your concern?"; flushes only.

    The customer may change their mind; the latest answer counts. Returns whether it changed.
    """
    if case.recovered is resolved:
        return False
    case.recovered = resolved
    case.recovered_at = now
    case.updated_at = now
    _event(case, CUSTOMER, now, EventKind.RECOVERY, resolved=resolved)
    db.session.flush()
    notices.case_updated(case, now)
    return True


def process_deadlines(now: datetime) -> int:
    """Remind owners of cases near their deadline and escalate overdue ones to the admins.

    Claims the due cases so two workers never send the same reminder; commits.
    """
    due = (
        sa.select(FollowUpCase)
        .where(
            FollowUpCase.status.in_(ACTIVE),
            sa.or_(
                sa.and_(FollowUpCase.escalated_at.is_(None), FollowUpCase.due_at <= now),
                sa.and_(
                    FollowUpCase.reminded_at.is_(None),
                    FollowUpCase.remind_at <= now,
                    FollowUpCase.due_at > now,
                ),
            ),
        )
        .order_by(FollowUpCase.due_at, FollowUpCase.id)
    )
    cases = claim(due, limit=BATCH_SIZE)
    admins: Sequence[User] | None = None
    for case in cases:
        action = due_action(case.clock, now)
        if action is DueAction.REMIND:
            case.reminded_at = now
            _event(
                case, SYSTEM, now, EventKind.REMINDER, to=case.owner.email if case.owner else None
            )
            notices.deadline_reminder(case, now)
        elif action is DueAction.ESCALATE:
            if admins is None:
                admins = _staff(Role.ADMIN)
            case.escalated_at = now
            _event(case, SYSTEM, now, EventKind.ESCALATION, to=[a.email for a in admins])
            notices.escalation(case, admins, now)
        case.updated_at = now
    db.session.commit()
    return len(cases)


def _check_change(case: FollowUpCase, change: CaseChange) -> User | None:
    """Raise on any invalid part of ``change``; return the new owner, if one is named."""
    if change.status is not None and change.status is not case.status:
        transition(case.status, change.status, change.outcome)
    elif change.outcome is not None:
        check_outcome(case.status, change.outcome)
    if change.unassign and change.owner_id is not None:
        raise InvalidCaseChange("give an owner or unassign, not both", "owner")
    if change.owner_id is None:
        return None
    owner = db.session.get(User, change.owner_id)
    if owner is None or not owner.active or not owner.has_role(Role.MANAGER):
        raise InvalidCaseChange("the owner must be an active manager or admin", "owner")
    return owner


def _move(
    case: FollowUpCase, target: CaseStatus, outcome: Outcome | None, actor: Actor, now: datetime
) -> None:
    _event(case, actor, now, EventKind.STATUS, **{"from": case.status, "to": target})
    if outcome is not None:
        _event(case, actor, now, EventKind.OUTCOME, **{"from": case.outcome, "to": outcome})
    if target in CONTACT_STATES and case.first_contact_at is None:
        case.first_contact_at = now
    if target in CLOSED:
        case.closed_at = now
        case.within_deadline = within_deadline(now, case.due_at)
        case.outcome = outcome
    elif case.status in CLOSED:
        case.closed_at = None
        case.within_deadline = None
        case.outcome = None
    case.status = target
    if target is CaseStatus.RESOLVED and wants_resurvey(
        rule_for(case.survey), has_address=case.customer is not None, sent=case.resurvey_sent_at
    ):
        # 256 random bits; only the hash is kept, as for invitation links.
        token = secrets.token_urlsafe(32)
        case.resurvey_token_hash = hash_token(token)
        case.resurvey_sent_at = now
        _event(case, SYSTEM, now, EventKind.RESURVEY, to=case.customer.email)  # type: ignore[union-attr]
        notices.resurvey(case, token, now)


def _event(
    case: FollowUpCase, actor: Actor, now: datetime, kind: EventKind, body: str = "", **data: object
) -> CaseEvent:
    event = CaseEvent(
        case=case,
        at=now,
        actor_id=actor.user.id if actor.user else None,
        actor=actor.label,
        kind=kind,
        data={key: _plain(value) for key, value in data.items()},
        body=body,
    )
    db.session.add(event)
    audit.record_case_event(case.id, kind, event.data, staff=actor not in (SYSTEM, CUSTOMER))
    return event


def _plain(value: object) -> object:
    """JSON-safe form of an event's data value."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.value if hasattr(value, "value") else value


def _staff(role: Role) -> Sequence[User]:
    return db.session.scalars(
        sa.select(User).where(User.role == role, User.active.is_(True)).order_by(User.id)
    ).all()


@dataclass
class _RoundRobin:
    """The managers taking turns, and whose turn was last; kept up to date in a transaction."""

    manager_ids: list[int]
    last_id: int | None


def _round_robin() -> _RoundRobin:
    def load() -> _RoundRobin:
        managers = [user.id for user in _staff(Role.MANAGER)]
        last = None
        if managers:
            last = db.session.scalar(
                sa.select(FollowUpCase.owner_id)
                .where(FollowUpCase.round_robin.is_(True))
                .order_by(FollowUpCase.id.desc())
                .limit(1)
            )
        return _RoundRobin(managers, last)

    return per_transaction("followups.round_robin", load)


def _choose_owner(rule: FollowUpRule, response: Response) -> tuple[User | None, bool]:
    """The new case's owner and whether round-robin picked it."""
    team = response.team or (response.interaction.team if response.interaction else None)
    manager = db.session.get(User, team.manager_id) if team and team.manager_id else None
    team_manager = (
        manager.id if manager and manager.active and manager.has_role(Role.MANAGER) else None
    )
    turns = _RoundRobin([], None)
    # Each answer that opens a case comes here: read only what the policy will use.
    if wants_round_robin(rule.owner_policy, team_manager):
        turns = _round_robin()
    owner_id = choose_owner(
        rule.owner_policy,
        team_manager_id=team_manager,
        manager_ids=turns.manager_ids,
        last_round_robin_id=turns.last_id,
    )
    by_team = rule.owner_policy is OwnerPolicy.TEAM_MANAGER and team_manager is not None
    if owner_id is None:
        return None, False
    if not by_team:
        turns.last_id = owner_id
    return db.session.get(User, owner_id), not by_team
