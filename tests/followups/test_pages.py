"""The triage queue, the case page and agent comment review, as staff see them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import CommentReview, FollowUpCase, ReviewTag
from surveys.cases import CaseStatus, Outcome
from tests.followups.conftest import Answer, Org, SignIn
from tests.followups.support import case_of, outbox, timeline
from tests.helpers import csrf_from

XSS = "<script>alert(1)</script> never again"


@pytest.fixture
def cases(answer: Answer, org: Org, clock: Any) -> list[FollowUpCase]:
    first = case_of(answer(1, comment=XSS))
    clock.advance(hours=1)
    second = case_of(answer(2, kind="nps", comment="Billing was wrong", email="b@example.com",
                            agent=org.other_agent))  # fmt: skip
    assert first and second
    return [first, second]


def rows(html: str) -> list[str]:
    """The case links of the queue, in order."""
    return re.findall(r'href="/followups/(\d+)"', html)


@pytest.mark.parametrize(
    "path", ["/followups/", "/followups/1", "/review/", "/review/interactions/1"]
)
def test_anonymous_users_are_sent_to_login(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login?next=")


def test_agents_cannot_open_the_queue_or_a_case(
    client: FlaskClient, org: Org, sign_in: SignIn, cases: list[FollowUpCase]
) -> None:
    sign_in(org.agent_user)
    assert client.get("/followups/").status_code == 403
    assert client.get(f"/followups/{cases[0].id}").status_code == 403
    token = csrf_from(client.get("/review/").text)
    assert client.post(f"/followups/{cases[0].id}", data={"csrf_token": token}).status_code == 403
    bulk = {"csrf_token": token, "case_ids": [str(cases[0].id)], "action": "close"}
    assert client.post("/followups/bulk", data=bulk).status_code == 403


def test_the_queue_lists_cases_by_deadline_with_counts_and_escaped_comments(
    client: FlaskClient, org: Org, sign_in: SignIn, cases: list[FollowUpCase]
) -> None:
    sign_in(org.manager)
    page = client.get("/followups/")
    assert page.status_code == 200
    assert rows(page.text) == [str(cases[0].id), str(cases[1].id)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; never again" in page.text
    assert "<script>alert" not in page.text
    assert "Open: <strong>2</strong>" in page.text
    assert "Resolved: <strong>0</strong>" in page.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?bucket=detractor", [1]),
        ("?q=BILLING+wrong", [1]),
        ("?q=never", [0]),
        ("?status=resolved", []),
        ("?overdue=yes", []),
        ("?owner=me", [0, 1]),
        ("?owner=none", []),
    ],
)
def test_queue_filters(
    client: FlaskClient, org: Org, sign_in: SignIn, cases: list[FollowUpCase],
    query: str, expected: list[int],
) -> None:  # fmt: skip
    sign_in(org.manager)
    page = client.get("/followups/" + query)
    assert page.status_code == 200
    assert rows(page.text) == [str(cases[i].id) for i in expected]


def test_queue_filters_by_agent_team_and_survey(
    client: FlaskClient, org: Org, sign_in: SignIn, cases: list[FollowUpCase]
) -> None:
    sign_in(org.manager)
    by_agent = client.get(f"/followups/?agent={org.other_agent.id}")
    assert rows(by_agent.text) == [str(cases[1].id)]
    by_team = client.get(f"/followups/?team={org.team.id}")
    assert rows(by_team.text) == [str(cases[0].id), str(cases[1].id)]
    by_survey = client.get(f"/followups/?survey={cases[1].survey_id}")
    assert rows(by_survey.text) == [str(cases[1].id)]
    assert client.get("/followups/?status=nonsense").status_code == 422


def test_bulk_assign_and_close(
    client: FlaskClient, org: Org, sign_in: SignIn, cases: list[FollowUpCase]
) -> None:
    sign_in(org.manager)
    token = csrf_from(client.get("/followups/").text)
    ids = [str(c.id) for c in cases]
    answer = client.post("/followups/bulk", data={
        "csrf_token": token, "case_ids": ids, "action": "assign",
        "owner": str(org.other_manager.id), "filters": "status=all"})  # fmt: skip
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/followups/?status=all"
    db.session.expire_all()
    assert [c.owner for c in cases] == [org.other_manager, org.other_manager]
    client.post("/followups/bulk", data={"csrf_token": token, "case_ids": ids[:1],
                                         "action": "close", "owner": "none"})  # fmt: skip
    db.session.expire_all()
    assert [c.status for c in cases] == [CaseStatus.CLOSED_WITHOUT_ACTION, CaseStatus.OPEN]
    assert client.get("/followups/").text.count('name="case_ids"') == 1
    assert client.post("/followups/bulk", data={"action": "close"}).status_code == 400


def test_the_case_page_shows_the_timeline_and_moves_the_case(
    client: FlaskClient, org: Org, sign_in: SignIn, cases: list[FollowUpCase], clock: Any
) -> None:
    sign_in(org.manager)
    case = cases[0]
    page = client.get(f"/followups/{case.id}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "opened the case (score 1, normal priority)" in page.text
    token = csrf_from(page.text)
    answer = client.post(f"/followups/{case.id}", data={
        "csrf_token": token, "status": "resolved", "outcome": "", "owner": str(org.manager.id),
        "note": "Called, sorted"})  # fmt: skip
    assert answer.status_code == 422
    assert "resolving a case needs an outcome" in answer.text
    assert "Called, sorted" in answer.text  # what was typed is shown again
    db.session.expire_all()
    assert case.status is CaseStatus.OPEN
    answer = client.post(f"/followups/{case.id}", data={
        "csrf_token": token, "status": "resolved", "outcome": "fixed",
        "owner": str(org.manager.id), "note": "Called, sorted"})  # fmt: skip
    assert answer.status_code == 302
    db.session.expire_all()
    assert (case.status, case.outcome) == (CaseStatus.RESOLVED, Outcome.FIXED)
    page = client.get(f"/followups/{case.id}")
    assert "moved it from open to resolved" in page.text
    assert "Called, sorted" in page.text
    assert client.get("/followups/9999").status_code == 404


def test_writing_to_the_customer_from_the_case_page(
    client: FlaskClient, org: Org, sign_in: SignIn, cases: list[FollowUpCase]
) -> None:
    sign_in(org.manager)
    case = cases[0]
    token = csrf_from(client.get(f"/followups/{case.id}").text)
    url = f"/followups/{case.id}/message"
    empty = client.post(
        url, data={"csrf_token": token, "message-subject": "Hi", "message-body": ""}
    )
    assert empty.status_code == 422
    assert outbox("reply") == []
    sent = client.post(
        url, data={"csrf_token": token, "message-subject": "Sorry", "message-body": "We fixed it."}
    )
    assert sent.status_code == 302
    [reply] = outbox("reply")
    assert (reply.recipient, reply.payload["reply_to"], reply.payload["reply_to_name"]) == (
        "customer@example.com",
        "manager@example.com",
        "Manager",
    )
    assert timeline(case)[-1][1:] == ("message", {"subject": "Sorry"}, "We fixed it.")
    assert client.post(f"/followups/{case.id}/message", data={}).status_code == 400


def test_agents_review_only_their_own_comments(
    client: FlaskClient, org: Org, sign_in: SignIn, answer: Answer, clock: Any
) -> None:
    older = answer(5, comment="Great help")
    clock.advance(hours=1)
    newer = answer(1, comment=XSS)
    theirs = answer(2, comment="Someone else's", agent=org.other_agent)
    sign_in(org.agent_user)
    page = client.get("/review/")
    assert page.status_code == 200
    assert page.text.index("never again") < page.text.index("Great help")
    assert "Someone else" not in page.text
    assert "<script>alert" not in page.text
    assert f'/review/interactions/{newer.interaction_id}"' in page.text
    assert client.get(f"/review/interactions/{older.interaction_id}").status_code == 200
    assert client.get(f"/review/interactions/{theirs.interaction_id}").status_code == 403
    token = csrf_from(page.text)
    refused = client.post(
        f"/review/responses/{theirs.id}",
        data={"csrf_token": token, f"r{theirs.id}-acknowledged": "y"},
    )
    assert refused.status_code == 403
    assert client.get("/review/?bucket=satisfied").text.count("<article") == 1


def test_acknowledging_and_tagging_a_comment(
    client: FlaskClient,
    org: Org,
    sign_in: SignIn,
    answer: Answer,
    clock: Any,
    shared_tags: dict[str, ReviewTag],
) -> None:
    billing, process, praise = (shared_tags[name].id for name in ("Billing", "Process", "Praise"))
    response = answer(2, comment="The invoice was wrong")
    sign_in(org.agent_user)
    token = csrf_from(client.get("/review/").text)
    answer_ = client.post(f"/review/responses/{response.id}", data={
        "csrf_token": token, f"r{response.id}-acknowledged": "y",
        f"r{response.id}-tags": [process, billing], "next": "/review/?q=invoice"})  # fmt: skip
    assert (answer_.status_code, answer_.headers["Location"]) == (
        302,
        f"/review/?q=invoice#response-{response.id}",
    )
    review = db.session.scalar(db.select(CommentReview))
    assert (review.acknowledged_at, review.tag_names) == (clock.now, ["Billing", "Process"])
    assert client.get("/review/?acknowledged=no").text.count("<article") == 0
    assert client.get(f"/review/?tag={billing}").text.count("<article") == 1
    assert client.get(f"/review/?tag={praise}").text.count("<article") == 0
    for bad_value in ("rude", "9999", ""):
        bad = client.post(
            f"/review/responses/{response.id}",
            data={"csrf_token": token, f"r{response.id}-tags": [bad_value]},
        )
        assert bad.status_code == 302
        db.session.expire_all()
        assert review.tag_names == ["Billing", "Process"]
    client.post(f"/review/responses/{response.id}",
                data={"csrf_token": token, f"r{response.id}-tags": [praise]})  # fmt: skip
    db.session.expire_all()
    assert (review.acknowledged_at, review.tag_names) == (None, ["Praise"])
