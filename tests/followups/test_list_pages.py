"""The queue and the review page as lists staff work through: deadlines told from the app's
clock, rows that open their case, filters folded, bulk acknowledging, and coming back to the
item just saved."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import CommentReview, FollowUpCase, ReviewTag
from tests.audit.support import logged
from tests.followups.conftest import Answer, Org, SignIn
from tests.followups.support import case_of
from tests.helpers import csrf_from


@pytest.fixture
def case(answer: Answer) -> FollowUpCase:
    opened = case_of(answer(1, comment="Nobody called back"))
    assert opened is not None
    return opened


def deadline(case: FollowUpCase, wording: str, overdue: bool = False) -> str:
    due = case.due_at
    shown = ' class="overdue"' if overdue else ""
    return (
        f'<time datetime="{due.isoformat()}" title="{due:%Y-%m-%d %H:%M} UTC"{shown}>'
        f"{wording}</time>"
    )


def test_deadlines_are_told_from_the_apps_clock_on_the_queue_and_the_case_page(
    client: FlaskClient, org: Org, sign_in: SignIn, case: FollowUpCase, clock: Any
) -> None:
    sign_in(org.manager)
    assert case.due_at - clock.now == timedelta(hours=48)
    assert deadline(case, "due in 2 days") in client.get("/followups/").text
    clock.advance(minutes=1)
    assert deadline(case, "due in 47 hours") in client.get("/followups/").text
    clock.advance(hours=42, minutes=59)
    coming = deadline(case, "due in 5 hours")
    assert coming in client.get("/followups/").text
    assert coming in client.get(f"/followups/{case.id}").text
    clock.advance(hours=5)
    assert deadline(case, "due now", overdue=True) in client.get("/followups/").text
    clock.advance(minutes=1)
    assert deadline(case, "overdue by 1 minute", overdue=True) in client.get("/followups/").text
    clock.advance(days=3)
    late = deadline(case, "overdue by 3 days", overdue=True)
    assert late in client.get("/followups/").text
    assert late in client.get(f"/followups/{case.id}").text


def test_a_closed_cases_deadline_is_its_date(
    client: FlaskClient, org: Org, sign_in: SignIn, case: FollowUpCase
) -> None:
    sign_in(org.manager)
    token = csrf_from(client.get("/followups/").text)
    client.post("/followups/bulk", data={"csrf_token": token, "case_ids": [str(case.id)],
                                         "action": "close", "owner": "none"})  # fmt: skip
    page = client.get("/followups/?status=all").text
    due = case.due_at
    assert f'<time datetime="{due.isoformat()}">{due:%Y-%m-%d %H:%M} UTC</time>' in page
    assert "overdue by" not in page and "due in" not in page


def test_each_row_links_its_case_and_can_be_selected_all_at_once(
    client: FlaskClient, org: Org, sign_in: SignIn, case: FollowUpCase
) -> None:
    sign_in(org.manager)
    page = client.get("/followups/").text
    assert "<tr data-row-link>" in page
    assert f'<a href="/followups/{case.id}" class="row-link">#{case.id}</a>' in page
    assert (
        f'<label class="tap" for="case_ids-{case.id}"><input type="checkbox" name="case_ids" '
        f'value="{case.id}" id="case_ids-{case.id}"> '
        f'<span class="visually-hidden">Select case {case.id}</span></label>'
    ) in page
    assert (
        '<label class="tap" hidden><input type="checkbox" data-select-all="case_ids"> '
        '<span class="visually-hidden">Select all cases on this page</span></label>'
    ) in page
    assert '<script src="/static/js/lists.js"></script>' in page


@pytest.mark.parametrize(
    ("query", "opened"),
    [
        ("", False),
        ("?status=active", False),
        ("?page=1", False),
        ("?bucket=detractor", True),
        ("?q=called", True),
        ("?status=all", True),
        ("?opened_from=2026-01-01", True),
        ("?status=nonsense", True),
    ],
)
def test_the_filters_are_folded_unless_one_is_set(
    client: FlaskClient, org: Org, sign_in: SignIn, case: FollowUpCase, query: str, opened: bool
) -> None:
    sign_in(org.manager)
    page = client.get("/followups/" + query).text
    panel = '<details class="filter-panel" data-open-wide' + (" open" if opened else "") + ">"
    assert panel in page
    assert "<summary>Filters</summary>" in page


def reviews() -> dict[int, tuple[Any, list[str]]]:
    db.session.expire_all()
    return {
        review.response_id: (review.acknowledged_at, review.tag_names)
        for review in db.session.scalars(sa.select(CommentReview))
    }


def test_acknowledging_the_ticked_comments_at_once(
    client: FlaskClient,
    org: Org,
    sign_in: SignIn,
    answer: Answer,
    clock: Any,
    shared_tags: dict[str, ReviewTag],
) -> None:
    tagged = answer(2, comment="The invoice was wrong")
    silent = answer(5)
    done = answer(4, comment="Fine")
    left = answer(3, comment="Slow")
    sign_in(org.agent_user)
    page = client.get("/review/?q=").text
    token = csrf_from(page)
    client.post(f"/review/responses/{tagged.id}", data={
        "csrf_token": token, f"r{tagged.id}-tags": [shared_tags["Billing"].id]})  # fmt: skip
    client.post(f"/review/responses/{done.id}", data={
        "csrf_token": token, f"r{done.id}-acknowledged": "y"})  # fmt: skip
    first = clock.now
    clock.advance(minutes=5)
    page = client.get("/review/").text
    assert '<form method="post" action="/review/acknowledge" id="acknowledge-selected"' in page
    assert (
        '<label class="tap" hidden><input type="checkbox" data-select-all="response_ids"> '
        "<span>Select all on this page</span></label>"
    ) in page
    assert page.count('form="acknowledge-selected"') == 3  # not the one acknowledged
    assert (
        f'<label class="tap" for="response_ids-{left.id}"><input type="checkbox" '
        f'name="response_ids" value="{left.id}" id="response_ids-{left.id}" '
        f'form="acknowledge-selected" aria-describedby="response-{left.id}-heading"> '
        "<span>Select to acknowledge</span></label>"
    ) in page
    ticked = [str(tagged.id), str(silent.id), str(done.id)]
    acknowledged = client.post("/review/acknowledge", data={
        "csrf_token": token, "response_ids": ticked, "next": "/review/?q=o"})  # fmt: skip
    assert (acknowledged.status_code, acknowledged.headers["Location"]) == (
        302,
        "/review/?q=o#acknowledge-selected",
    )
    assert reviews() == {
        tagged.id: (clock.now, ["Billing"]),
        silent.id: (clock.now, []),
        done.id: (first, []),
    }
    reviewed = [(target, details) for *_, action, target, details in logged("comment.reviewed")]
    assert reviewed == [
        (f"response:{tagged.id}", {"tags": ["Billing"]}),
        (f"response:{done.id}", {"tags": []}),
        (f"response:{tagged.id}", {"tags": ["Billing"]}),
        (f"response:{silent.id}", {"tags": []}),
    ]
    assert "2 comments acknowledged." in client.get("/review/").text
    assert left.id not in reviews()


def test_bulk_acknowledging_refuses_other_agents_comments_and_nothing_ticked(
    client: FlaskClient, org: Org, sign_in: SignIn, answer: Answer
) -> None:
    mine = answer(2, comment="Mine")
    theirs = answer(2, comment="Theirs", agent=org.other_agent)
    sign_in(org.agent_user)
    token = csrf_from(client.get("/review/").text)
    both = {"csrf_token": token, "response_ids": [str(mine.id), str(theirs.id)]}
    refused = client.post("/review/acknowledge", data=both)
    assert refused.status_code == 403
    assert "Only the agent who handled the interaction can review its comments." in refused.text
    missing = client.post("/review/acknowledge", data={**both, "response_ids": ["99999"]})
    assert missing.status_code == 404
    assert "There is no response 99999." in missing.text
    empty = client.post("/review/acknowledge", data={"csrf_token": token})
    assert (empty.status_code, empty.headers["Location"]) == (
        302,
        "/review/#acknowledge-selected",
    )
    assert "Tick at least one comment, then acknowledge." in client.get("/review/").text
    bad = client.post("/review/acknowledge", data={**both, "response_ids": ["x"]})
    assert bad.status_code == 302
    assert reviews() == {}
    assert logged("comment.") == []


def test_saving_comes_back_to_the_item_and_silent_answers_are_folded(
    client: FlaskClient, org: Org, sign_in: SignIn, answer: Answer, clock: Any
) -> None:
    spoken = answer(2, comment="Too slow")
    quiet = [answer(4), answer(5)]
    sign_in(org.agent_user)
    page = client.get("/review/?bucket=&page=1").text
    assert f'<article class="response" id="response-{spoken.id}"' in page
    assert page.count("<article") == 3
    folded = page.index("<summary>2 answers without a comment</summary>")
    assert page.index(f'id="response-{spoken.id}"') < folded
    assert all(page.index(f'id="response-{r.id}"') > folded for r in quiet)
    link = f"/review/interactions/{spoken.interaction_id}?bucket=&amp;page=1"
    assert f'<a href="{link}" class="tap-link">' in page
    token = csrf_from(page)
    next_ = f"/review/interactions/{spoken.interaction_id}?bucket=&page=1"
    saved = client.post(f"/review/responses/{quiet[0].id}", data={
        "csrf_token": token, f"r{quiet[0].id}-acknowledged": "y", "next": next_})  # fmt: skip
    assert saved.headers["Location"] == f"{next_}#response-{quiet[0].id}"
    elsewhere = client.post(f"/review/responses/{spoken.id}", data={
        "csrf_token": token, "next": "https://evil.example/review"})  # fmt: skip
    assert elsewhere.headers["Location"] == f"/review/#response-{spoken.id}"
    interaction = client.get(next_ + "&_external=1&_scheme=javascript").text
    assert '<a href="/review/?bucket=&amp;page=1" class="tap-link">← My comments</a>' in interaction
    assert "<summary>1 answer without a comment</summary>" not in interaction
    assert (
        client.get("/review/interactions/" + str(quiet[1].interaction_id)).text.count(
            "<summary>1 answer without a comment</summary>"
        )
        == 1
    )
