"""Follow-up rules: which scores open a case, how urgent it is, when it is due and who owns it.

Everything here takes values (and ``now``) and returns values, so the rules can be tested at
every threshold without a database or a clock.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.errors import DomainError
from surveys.kinds import KIND_SPECS, SurveyKind


class Priority(enum.StrEnum):
    HIGH = "high"
    NORMAL = "normal"


class OwnerPolicy(enum.StrEnum):
    """Who is given a new case."""

    TEAM_MANAGER = "team_manager"
    ROUND_ROBIN = "round_robin"
    UNASSIGNED = "unassigned"


class InvalidRule(DomainError):
    """A follow-up rule that names scores off the scale or a deadline that cannot be met."""


@dataclass(frozen=True)
class FollowUpRule:
    """One survey's follow-up settings.

    A score at or below ``open_max`` opens a case; at or below ``high_max`` it is urgent.
    ``open_max`` None turns follow-up off for the survey.
    """

    open_max: int | None
    high_max: int | None = None
    deadline_hours: int = 48
    #: The owner is reminded this long before the deadline.
    remind_before_hours: int = 12
    owner_policy: OwnerPolicy = OwnerPolicy.TEAM_MANAGER
    #: After resolution, ask the customer "Did we resolve your concern?".
    resurvey: bool = False
    #: Open cases for anonymous answers too (an embed without a signed customer). Off by
    #: default: anyone may send those, and nobody could be contacted about them.
    anonymous_cases: bool = False


DEFAULT_RULES: dict[SurveyKind, FollowUpRule] = {
    SurveyKind.NPS: FollowUpRule(open_max=6, high_max=3),
    SurveyKind.CSAT: FollowUpRule(open_max=2),
    SurveyKind.CES: FollowUpRule(open_max=3),
}


def check_rule(kind: SurveyKind, rule: FollowUpRule) -> FollowUpRule:
    """Return ``rule`` if it fits ``kind``'s scale, else raise naming the bad field."""
    spec = KIND_SPECS[kind]
    if rule.open_max is not None and not spec.low <= rule.open_max < spec.high:
        raise InvalidRule(
            f"must be between {spec.low} and {spec.high - 1}, or empty to turn follow-up off",
            "open_max",
        )
    if rule.high_max is not None and (
        rule.open_max is None or not spec.low <= rule.high_max <= rule.open_max
    ):
        raise InvalidRule(
            f"must be between {spec.low} and the opening score, or empty for none", "high_max"
        )
    if not 1 <= rule.deadline_hours <= 24 * 90:
        raise InvalidRule("must be between 1 and 2160 hours", "deadline_hours")
    if not 0 <= rule.remind_before_hours < rule.deadline_hours:
        raise InvalidRule("must be at least 0 and less than the deadline", "remind_before_hours")
    return rule


@dataclass(frozen=True)
class PlannedFollowUp:
    """What a low score calls for: a case of this priority, due then, owned per the policy."""

    priority: Priority
    due_at: datetime
    remind_at: datetime
    owner_policy: OwnerPolicy


def opens_case(rule: FollowUpRule, score: int) -> bool:
    """True if ``score`` is low enough for ``rule`` to open (or keep open) a case."""
    return rule.open_max is not None and score <= rule.open_max


def priority_for(rule: FollowUpRule, score: int) -> Priority:
    """High when ``score`` is at or below the rule's urgent threshold."""
    return (
        Priority.HIGH if rule.high_max is not None and score <= rule.high_max else Priority.NORMAL
    )


def plan_followup(
    rule: FollowUpRule, score: int, now: datetime, *, anonymous: bool
) -> PlannedFollowUp | None:
    """The case a response with ``score`` received at ``now`` calls for, or None.

    :param anonymous: nobody is known to have given it; only a rule that asks for
        ``anonymous_cases`` opens a case then.
    """
    if not opens_case(rule, score) or (anonymous and not rule.anonymous_cases):
        return None
    due_at = now + timedelta(hours=rule.deadline_hours)
    return PlannedFollowUp(
        priority=priority_for(rule, score),
        due_at=due_at,
        remind_at=due_at - timedelta(hours=rule.remind_before_hours),
        owner_policy=rule.owner_policy,
    )


def wants_resurvey(rule: FollowUpRule, *, has_address: bool, sent: datetime | None) -> bool:
    """Whether resolving a case should ask the customer if their concern was resolved.

    Only once per case (a reopened and resolved again case is not asked twice), and only
    when there is someone to ask.
    """
    return rule.resurvey and has_address and sent is None


def wants_round_robin(policy: OwnerPolicy, team_manager_id: int | None) -> bool:
    """Whether ``choose_owner`` will need the managers and the last round-robin owner."""
    if policy is OwnerPolicy.UNASSIGNED:
        return False
    return policy is OwnerPolicy.ROUND_ROBIN or team_manager_id is None


def choose_owner(
    policy: OwnerPolicy,
    *,
    team_manager_id: int | None,
    manager_ids: Sequence[int],
    last_round_robin_id: int | None,
) -> int | None:
    """The user id to own a new case, or None for the unassigned queue.

    A team without a manager falls back to round-robin, so a case is never silently left
    without an owner when the policy asked for one. Round-robin takes the manager after the
    one who got the last round-robin case, in id order, wrapping around.
    """
    if not wants_round_robin(policy, team_manager_id):
        return team_manager_id if policy is OwnerPolicy.TEAM_MANAGER else None
    ordered = sorted(manager_ids)
    if not ordered:
        return None
    if last_round_robin_id is None:
        return ordered[0]
    return next((i for i in ordered if i > last_round_robin_id), ordered[0])
