"""Follow-up rules at every threshold, owner choice, and the digest and reminder timing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from surveys.followups import (
    DEFAULT_RULES,
    FollowUpRule,
    InvalidRule,
    OwnerPolicy,
    PlannedFollowUp,
    Priority,
    check_rule,
    choose_owner,
    plan_followup,
    wants_resurvey,
    wants_round_robin,
)
from surveys.kinds import KIND_SPECS, SurveyKind
from surveys.schedule import digest_week, reminder_cutoff

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

#: Every score on each scale and the priority its default rule gives (None: no case).
EXPECTED = {
    SurveyKind.NPS: {0: "high", 1: "high", 2: "high", 3: "high", 4: "normal", 5: "normal",
                     6: "normal", 7: None, 8: None, 9: None, 10: None},
    SurveyKind.CSAT: {1: "normal", 2: "normal", 3: None, 4: None, 5: None},
    SurveyKind.CES: {1: "normal", 2: "normal", 3: "normal", 4: None, 5: None, 6: None, 7: None},
}  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "score"), [(kind, score) for kind in SurveyKind for score in KIND_SPECS[kind].points]
)
def test_default_rules_at_every_score(kind: SurveyKind, score: int) -> None:
    plan = plan_followup(DEFAULT_RULES[kind], score, NOW, anonymous=False)
    expected = EXPECTED[kind][score]
    if expected is None:
        assert plan is None
    else:
        assert plan == PlannedFollowUp(
            priority=Priority(expected),
            due_at=datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
            remind_at=datetime(2026, 3, 3, 21, 0, tzinfo=UTC),
            owner_policy=OwnerPolicy.TEAM_MANAGER,
        )


def test_a_custom_rule_moves_thresholds_and_deadline() -> None:
    rule = check_rule(
        SurveyKind.CSAT,
        FollowUpRule(open_max=3, high_max=1, deadline_hours=24, remind_before_hours=4),
    )
    assert plan_followup(rule, 4, NOW, anonymous=False) is None
    assert plan_followup(rule, 3, NOW, anonymous=False) == PlannedFollowUp(
        Priority.NORMAL, NOW + timedelta(hours=24), NOW + timedelta(hours=20), rule.owner_policy
    )
    assert plan_followup(rule, 1, NOW, anonymous=False).priority is Priority.HIGH  # type: ignore[union-attr]


def test_an_anonymous_answer_opens_a_case_only_when_the_rule_asks_for_it() -> None:
    rule = DEFAULT_RULES[SurveyKind.CSAT]
    assert plan_followup(rule, 1, NOW, anonymous=True) is None
    assert plan_followup(rule, 1, NOW, anonymous=False) is not None
    asked = dataclasses.replace(rule, anonymous_cases=True)
    assert plan_followup(asked, 1, NOW, anonymous=True) == plan_followup(
        rule, 1, NOW, anonymous=False
    )
    assert plan_followup(asked, 3, NOW, anonymous=True) is None


def test_a_rule_with_no_opening_score_never_opens_a_case() -> None:
    rule = FollowUpRule(open_max=None)
    assert [plan_followup(rule, s, NOW, anonymous=False) for s in range(11)] == [None] * 11


@pytest.mark.parametrize(
    ("kind", "rule", "field"),
    [
        (SurveyKind.CSAT, FollowUpRule(open_max=5), "open_max"),
        (SurveyKind.CSAT, FollowUpRule(open_max=0), "open_max"),
        (SurveyKind.NPS, FollowUpRule(open_max=-1), "open_max"),
        (SurveyKind.NPS, FollowUpRule(open_max=6, high_max=7), "high_max"),
        (SurveyKind.NPS, FollowUpRule(open_max=None, high_max=3), "high_max"),
        (SurveyKind.CES, FollowUpRule(open_max=3, deadline_hours=0), "deadline_hours"),
        (
            SurveyKind.CES,
            FollowUpRule(open_max=3, deadline_hours=4, remind_before_hours=4),
            "remind_before_hours",
        ),
    ],
)
def test_rules_off_the_scale_are_refused(kind: SurveyKind, rule: FollowUpRule, field: str) -> None:
    with pytest.raises(InvalidRule) as error:
        check_rule(kind, rule)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("policy", "team_manager", "managers", "last", "expected"),
    [
        (OwnerPolicy.TEAM_MANAGER, 7, [3, 5], None, 7),
        (OwnerPolicy.TEAM_MANAGER, None, [5, 3], None, 3),
        (OwnerPolicy.ROUND_ROBIN, 7, [5, 3, 9], None, 3),
        (OwnerPolicy.ROUND_ROBIN, 7, [5, 3, 9], 3, 5),
        (OwnerPolicy.ROUND_ROBIN, 7, [5, 3, 9], 5, 9),
        (OwnerPolicy.ROUND_ROBIN, 7, [5, 3, 9], 9, 3),
        (OwnerPolicy.ROUND_ROBIN, None, [5, 3, 9], 4, 5),
        (OwnerPolicy.ROUND_ROBIN, None, [], None, None),
        (OwnerPolicy.UNASSIGNED, 7, [3], None, None),
    ],
)
def test_choose_owner(
    policy: OwnerPolicy, team_manager: int | None, managers: list[int], last: int | None,
    expected: int | None,
) -> None:  # fmt: skip
    owner = choose_owner(
        policy, team_manager_id=team_manager, manager_ids=managers, last_round_robin_id=last
    )
    assert owner == expected


@pytest.mark.parametrize(
    ("policy", "team_manager", "expected"),
    [
        (OwnerPolicy.TEAM_MANAGER, 7, False),
        (OwnerPolicy.TEAM_MANAGER, None, True),
        (OwnerPolicy.ROUND_ROBIN, 7, True),
        (OwnerPolicy.ROUND_ROBIN, None, True),
        (OwnerPolicy.UNASSIGNED, 7, False),
        (OwnerPolicy.UNASSIGNED, None, False),
    ],
)
def test_round_robin_inputs_are_wanted_only_when_the_policy_may_use_them(
    policy: OwnerPolicy, team_manager: int | None, expected: bool
) -> None:
    assert wants_round_robin(policy, team_manager) is expected


@pytest.mark.parametrize(
    ("now", "week_start"),
    [
        (datetime(2026, 3, 2, 7, 59, tzinfo=UTC), datetime(2026, 2, 16, tzinfo=UTC)),
        (datetime(2026, 3, 2, 8, 0, tzinfo=UTC), datetime(2026, 2, 23, tzinfo=UTC)),
        (datetime(2026, 3, 8, 23, 59, tzinfo=UTC), datetime(2026, 2, 23, tzinfo=UTC)),
        (datetime(2026, 3, 9, 8, 0, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)),
    ],
)
def test_digest_week_is_the_last_complete_week_from_monday_eight(
    now: datetime, week_start: datetime
) -> None:
    assert digest_week(now) == (week_start, week_start + timedelta(days=7))


def test_reminder_cutoff() -> None:
    assert reminder_cutoff(3, NOW) == datetime(2026, 2, 27, 9, 0, tzinfo=UTC)


def test_a_resurvey_is_asked_once_when_the_rule_wants_one_and_someone_can_answer() -> None:
    on = FollowUpRule(open_max=2, resurvey=True)
    assert wants_resurvey(on, has_address=True, sent=None)
    assert not wants_resurvey(on, has_address=True, sent=NOW)
    assert not wants_resurvey(on, has_address=False, sent=None)
    assert not wants_resurvey(DEFAULT_RULES[SurveyKind.CSAT], has_address=True, sent=None)
