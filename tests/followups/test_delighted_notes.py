"""The notes and tags that responses imported from Delighted keep, as staff read them: on
the follow-up case page, on an agent's review pages and in the responses list; each shown to
whoever may see the response, and to nobody else."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import DelightedResponse, Response
from tests.followups.conftest import Answer, Org, SignIn, staff
from tests.followups.support import case_of
from tests.helpers import csrf_from

EXPORT = Path(__file__).parents[1] / "delighted" / "export"
#: Two notes as ``/v1/`` keeps them: one whose author Delighted gave, one without (as its
#: CSV export writes them), and text that must not be read as HTML.
NOTES = [
    {"id": "77", "text": "Called her back, refund sent", "user_email": "support@example.com",
     "created_at": 1763802000},
    {"id": "5436-2", "text": "<b>Follow up</b>\nin a month", "user_email": "",
     "created_at": 1763805600},
]  # fmt: skip
BLOCK = (
    "From Delighted Tags Checkout Refund asked Notes support@example.com, 2025-11-22 09:00 "
    "UTC Called her back, refund sent 2025-11-22 10:00 UTC <b>Follow up</b> in a month"
)


def keep(response: Response, tags: list[str], notes: list[dict[str, Any]] = NOTES) -> None:
    """Give ``response`` what an import from Delighted keeps of one."""
    db.session.add(
        DelightedResponse(
            response_id=response.id, delighted_id=f"d{response.id}", notes=notes, tags=tags
        )
    )
    db.session.commit()


def text_of(html: str, opening: str, closing: str) -> list[str]:
    """The text of each element that ``opening`` starts and ``closing`` ends, tags left out,
    entities read and spaces collapsed."""
    found = re.findall(re.escape(opening) + r".*?" + re.escape(closing), html, re.S)
    texts = (" ".join(re.sub(r"<[^>]+>", " ", part).split()) for part in found)
    return [
        re.sub(r" ([,.])", r"\1", text).replace("&lt;", "<").replace("&gt;", ">") for text in texts
    ]


def blocks(html: str) -> list[str]:
    return text_of(html, '<section class="from-delighted"', "</section>")


def test_the_case_page_shows_what_delighted_kept_apart_from_the_response(
    client: FlaskClient, org: Org, sign_in: SignIn, answer: Answer
) -> None:
    response = answer(1, comment="Checkout broke twice.")
    case = case_of(response)
    assert case is not None
    sign_in(org.manager)
    assert blocks(client.get(f"/followups/{case.id}").text) == []
    keep(response, ["Checkout", "Refund asked"])
    page = client.get(f"/followups/{case.id}")
    assert page.status_code == 200
    assert blocks(page.text) == [BLOCK]
    assert '<h3 id="from-delighted-heading">From Delighted</h3>' in page.text
    assert (
        '<ul class="labels"><li dir="auto">Checkout</li><li dir="auto">Refund asked</li></ul>'
        in (page.text)
    )
    assert '<p class="comment" dir="auto">&lt;b&gt;Follow up&lt;/b&gt;\nin a month</p>' in page.text
    assert "<b>Follow up" not in page.text


def test_a_response_without_notes_or_tags_shows_no_block(
    client: FlaskClient, org: Org, sign_in: SignIn, answer: Answer
) -> None:
    response = answer(1, comment="Slow")
    keep(response, [], [])
    case = case_of(response)
    assert case is not None
    sign_in(org.manager)
    page = client.get(f"/followups/{case.id}")
    assert page.status_code == 200
    assert "From Delighted" not in page.text


def test_tags_without_notes(client: FlaskClient, org: Org, sign_in: SignIn, answer: Answer) -> None:
    response = answer(2, comment="Meh")
    keep(response, ["Speed"], [])
    case = case_of(response)
    assert case is not None
    sign_in(org.manager)
    assert blocks(client.get(f"/followups/{case.id}").text) == [
        "From Delighted Tags Speed Notes None."
    ]


def test_agents_read_it_on_their_own_interactions_only(
    client: FlaskClient, org: Org, sign_in: SignIn, answer: Answer
) -> None:
    mine = answer(1, comment="Checkout broke twice.")
    theirs = answer(2, comment="Billing was wrong", email="b@example.com", agent=org.other_agent)
    keep(mine, ["Checkout", "Refund asked"])
    keep(theirs, ["Billing"], [{**NOTES[0], "text": "Their note"}])
    sign_in(org.agent_user)
    page = client.get(f"/review/interactions/{mine.interaction_id}")
    assert page.status_code == 200
    assert blocks(page.text) == [BLOCK]
    assert f'<h3 id="response-{mine.id}-delighted">From Delighted</h3>' in page.text
    queue = client.get("/review/")
    assert blocks(queue.text) == [BLOCK]
    assert "Their note" not in queue.text
    refused = client.get(f"/review/interactions/{theirs.interaction_id}")
    assert refused.status_code == 403
    assert "Their note" not in refused.text

    assert client.post("/logout", data={"csrf_token": csrf_from(queue.text)}).status_code == 302
    other = staff("other.agent@example.com", "agent", mine.created_at)
    db.session.commit()
    sign_in(other)
    assert blocks(client.get("/review/").text) == [
        "From Delighted Tags Billing Notes support@example.com, 2025-11-22 09:00 UTC Their note"
    ]
    assert client.get(f"/review/interactions/{mine.interaction_id}").status_code == 403


def test_managers_read_it_on_any_interaction(
    client: FlaskClient, org: Org, sign_in: SignIn, answer: Answer
) -> None:
    response = answer(4, comment="Fine", agent=org.other_agent)
    keep(response, ["Checkout", "Refund asked"])
    sign_in(org.manager)
    page = client.get(f"/review/interactions/{response.interaction_id}")
    assert page.status_code == 200
    assert blocks(page.text) == [BLOCK]


@pytest.fixture
def count_queries(app: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", record)


def test_the_responses_list_shows_the_imported_tags_and_folds_the_notes(
    client: FlaskClient,
    org: Org,
    sign_in: SignIn,
    runner: FlaskCliRunner,
    count_queries: list[str],
) -> None:
    """Delighted's CSV export imported, then listed: each row's tags, and its notes behind
    how many there are, in as many queries for three rows as for one."""
    files = [str(EXPORT / name) for name in ("people.csv", "survey_responses.csv")]
    assert runner.invoke(args=["import-delighted", *files]).exit_code == 0
    sign_in(org.manager)
    listing = "/dashboard/responses?since=2025-11-01&until=2025-12-31"
    one = client.get(listing + "&score=9")
    count_queries.clear()
    one = client.get(listing + "&score=9")
    queries = len(count_queries)
    count_queries.clear()
    page = client.get(listing)
    assert page.status_code == 200
    assert len(count_queries) == queries, count_queries
    assert text_of(one.text, '<div class="from-delighted-summary">', "</div>") == [
        "From Delighted Speed Support"
    ]
    # Newest first: the third response has neither tags nor notes.
    assert text_of(page.text, '<div class="from-delighted-summary">', "</div>") == [
        "From Delighted Checkout 2 notes 2025-11-22 08:10 UTC Called her back, refund sent "
        "2025-11-22 08:10 UTC Follow up in a month",
        "From Delighted Speed Support",
    ]
    assert "<details><summary>2 notes</summary>" in page.text
    assert (
        '<td class="text comment" dir="auto">Checkout broke twice.\nNobody answered my email.'
        '<div class="from-delighted-summary">'
    ) in page.text
