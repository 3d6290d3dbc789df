"""``/api/v1/followups``: listing with filters and paging, and changing a case."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import FollowUpCase
from feedback_app.services.followups import Actor, CaseChange, change_case
from surveys.cases import CaseStatus
from tests.followups.conftest import Answer, Org
from tests.followups.support import case_of, timeline


@pytest.fixture
def cases(answer: Answer, org: Org, clock: Any) -> list[FollowUpCase]:
    """Three cases: CSAT 1 (due first), NPS 2 unassigned and in progress, CES 3 (due last)."""
    first = case_of(answer(1, comment="Bad"))
    clock.advance(hours=1)
    second = case_of(answer(2, kind="nps", email="b@example.com"))
    clock.advance(hours=1)
    third = case_of(answer(3, kind="ces", email="c@example.com"))
    assert first and second and third
    change_case(second, CaseChange(status=CaseStatus.IN_PROGRESS, unassign=True),
                Actor.of(org.manager), clock.now)  # fmt: skip
    db.session.commit()
    return [first, second, third]


def get(client: FlaskClient, key: str, query: str = "") -> Any:
    return client.get(f"/api/v1/followups{query}", headers={"Authorization": f"Bearer {key}"})


def patch(client: FlaskClient, key: str, case_id: int, body: Any) -> Any:
    return client.patch(
        f"/api/v1/followups/{case_id}", json=body, headers={"Authorization": f"Bearer {key}"}
    )


def test_the_list_is_sorted_by_deadline_and_paged(
    client: FlaskClient, api_key: str, cases: list[FollowUpCase]
) -> None:
    answer = get(client, api_key, "?per_page=2")
    assert answer.status_code == 200
    body = answer.json
    assert (body["total"], body["pages"], body["page"]) == (3, 2, 1)
    assert [item["id"] for item in body["items"]] == [cases[0].id, cases[1].id]
    first = body["items"][0]
    assert {k: first[k] for k in ("status", "priority", "kind", "score", "bucket", "comment",
                                  "overdue", "due_at", "team", "agent")} == {
        "status": "open", "priority": "normal", "kind": "csat", "score": 1,
        "bucket": "unsatisfied", "comment": "Bad", "overdue": False,
        "due_at": "2026-03-04T09:00:00Z", "team": "Billing", "agent": "agent@example.com",
    }  # fmt: skip
    assert first["customer"] == {"email": "customer@example.com", "name": "Casey"}
    assert first["interaction"] == {"external_id": "T-1", "channel": "Chat"}
    assert [i["id"] for i in get(client, api_key, "?per_page=2&page=2").json["items"]] == [
        cases[2].id
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=in_progress", [1]),
        ("?status=open,in_progress", [0, 1, 2]),
        ("?bucket=detractor", [1]),
        ("?owner=none", [1]),
        ("?owner=manager@example.com", [0, 2]),
        ("?overdue=false", [0, 1, 2]),
        ("?overdue=true", []),
    ],
)
def test_filters(
    client: FlaskClient, api_key: str, cases: list[FollowUpCase], query: str, expected: list[int]
) -> None:
    answer = get(client, api_key, query)
    assert answer.status_code == 200, answer.json
    assert [item["id"] for item in answer.json["items"]] == [cases[i].id for i in expected]


def test_overdue_follows_the_clock(
    client: FlaskClient, api_key: str, cases: list[FollowUpCase], clock: Any
) -> None:
    clock.advance(hours=47)
    answer = get(client, api_key, "?overdue=true")
    assert [item["id"] for item in answer.json["items"]] == [cases[0].id, cases[1].id]
    assert answer.json["items"][0]["overdue"] is True


def test_bad_filters_name_each_field(client: FlaskClient, api_key: str) -> None:
    answer = get(client, api_key, "?status=lost&bucket=happy&owner=nobody@x.y&overdue=maybe")
    assert answer.status_code == 422
    assert answer.json["errors"] == {
        "status": "must be one or more of open, in_progress, waiting_on_customer, resolved, "
        "closed_without_action",
        "bucket": "must be one or more of promoter, passive, detractor, satisfied, unsatisfied",
        "owner": "no user has this id or email; use none for unassigned cases",
        "overdue": "must be true or false",
    }


def test_no_key_is_refused(client: FlaskClient) -> None:
    assert client.get("/api/v1/followups").status_code == 401
    assert client.patch("/api/v1/followups/1", json={}).status_code == 401


def test_patch_changes_status_outcome_owner_and_adds_a_note(
    client: FlaskClient, api_key: str, cases: list[FollowUpCase], org: Org, clock: Any
) -> None:
    case = cases[1]
    clock.advance(minutes=30)
    answer = patch(client, api_key, case.id, {"status": "resolved", "outcome": "compensated",
                                              "owner": org.other_manager.id,
                                              "note": "Refunded in the CRM"})  # fmt: skip
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert (body["status"], body["outcome"], body["owner"]["email"], body["within_deadline"]) == (
        "resolved",
        "compensated",
        "manager2@example.com",
        True,
    )
    assert body["closed_at"] == "2026-03-02T11:30:00Z"
    assert [(actor, kind, body) for actor, kind, _, body in timeline(case)[-4:]] == [
        ("api:helpdesk", "status", ""),
        ("api:helpdesk", "outcome", ""),
        ("api:helpdesk", "assigned", ""),
        ("api:helpdesk", "note", "Refunded in the CRM"),
    ]
    answer = patch(client, api_key, case.id, {"owner": None})
    assert (answer.status_code, answer.json["owner"]) == (200, None)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"status": "done"}, {"status": "must be one of open, in_progress, waiting_on_customer, "
                                        "resolved, closed_without_action"}),
        ({"outcome": "happy"}, {"outcome": "must be one of fixed, explained, compensated, "
                                           "churned, unreachable"}),
        ({"owner": "ghost@example.com"}, {"owner": "no user has this id or email"}),
        ({"note": 5, "colour": "red"}, {"note": "must be a string", "colour": "unknown field"}),
        ({"status": "resolved"}, {"outcome": "resolving a case needs an outcome"}),
        ({"outcome": "fixed"}, {"outcome": "only a resolved or closed case has an outcome"}),
        ({"owner": "agent@example.com"}, {"owner": "the owner must be an active manager or admin"}),
    ],
)  # fmt: skip
def test_bad_changes_name_the_field_and_change_nothing(
    client: FlaskClient, api_key: str, cases: list[FollowUpCase], body: Any, errors: Any
) -> None:
    before = len(timeline(cases[0]))
    answer = patch(client, api_key, cases[0].id, body)
    assert answer.status_code == 422
    assert answer.json["errors"] == errors
    db.session.expire_all()
    assert (cases[0].status, len(timeline(cases[0]))) == (CaseStatus.OPEN, before)


def test_patch_without_a_change_or_json_or_case(
    client: FlaskClient, api_key: str, cases: list[FollowUpCase]
) -> None:
    assert patch(client, api_key, cases[0].id, {}).status_code == 422
    answer = client.patch(
        f"/api/v1/followups/{cases[0].id}",
        data="status=open",
        headers={"Authorization": f"Bearer {api_key}"},
    )
    assert answer.status_code == 400
    assert patch(client, api_key, 999, {"status": "in_progress"}).status_code == 404
