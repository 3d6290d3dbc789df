"""The review tag lists: admins keep the shared list and each team's on
``/admin/review-tags``; an agent tags comments from the shared list and their own team's,
and nothing else; migration 1114 turns the five fixed tags into the shared list."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade

from feedback_app.comment_review.tags import add_tag
from feedback_app.extensions import db
from feedback_app.models import CommentReview, ReviewTag, Team
from tests.audit.support import logged
from tests.followups.conftest import Answer, Org, SignIn
from tests.helpers import csrf_from


def names(tags: list[ReviewTag]) -> list[str]:
    return [tag.name for tag in tags]


def listed(page: str, list_id: str) -> list[str]:
    """The tag names of one list's table on the admin page, in order, with their state."""
    section = page.split(f'<h2 id="{list_id}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<tr id="tag-\d+">\s*<td dir="auto">(.*?)</td>\s*<td>(.*?)</td>', section)
    return [f"{html.unescape(name)}: {re.sub('<[^>]+>', '', state)}" for name, state in rows]


def offered(page: str, response_id: int) -> list[str]:
    """The tag checkboxes of one response's review form, as "label" or "label [x]"."""
    form = page.split(f'action="/review/responses/{response_id}"', 1)[1].split("</form>", 1)[0]
    boxes = re.findall(r"<input([^>]*)> <label[^>]*>([^<]*)</label>", form)
    return [
        html.unescape(label) + (" [x]" if "checked" in attributes else "")
        for attributes, label in boxes
        if "-tags" in attributes
    ]


@pytest.fixture
def other_team(app: Any) -> Team:
    team = Team(name="Technical")
    db.session.add(team)
    db.session.commit()
    return team


def test_an_admin_keeps_the_shared_list_and_a_team_list(
    client: FlaskClient,
    org: Org,
    sign_in: SignIn,
    shared_tags: dict[str, ReviewTag],
    other_team: Team,
    clock: Any,
) -> None:
    sign_in(org.admin)
    page = client.get("/admin/review-tags/")
    assert page.status_code == 200
    assert listed(page.text, "list-shared") == [
        "Praise: Offered",
        "Product: Offered",
        "Billing: Offered",
        "Process: Offered",
        "Other: Offered",
    ]
    assert "No tag of its own: its agents are offered the shared list." in page.text
    token = csrf_from(page.text)

    added = client.post(
        "/admin/review-tags/", data={"csrf_token": token, "name": "  Refund  ", "team": org.team.id}
    )
    assert (added.status_code, added.headers["Location"]) == (
        302,
        f"/admin/review-tags/#list-{org.team.id}",
    )
    refund = db.session.scalar(sa.select(ReviewTag).where(ReviewTag.name == "Refund"))
    assert refund is not None and (refund.team_id, refund.position) == (org.team.id, 1)
    client.post("/admin/review-tags/", data={"csrf_token": token, "name": "Rude", "team": ""})
    client.post(
        "/admin/review-tags/", data={"csrf_token": token, "name": "Invoice", "team": org.team.id}
    )

    renamed = client.post(
        f"/admin/review-tags/{refund.id}", data={"csrf_token": token, "name": "Refund asked"}
    )
    assert renamed.status_code == 302
    moved = client.post(
        f"/admin/review-tags/{refund.id}/move", data={"csrf_token": token, "direction": "down"}
    )
    assert (moved.status_code, moved.headers["Location"]) == (
        302,
        f"/admin/review-tags/#tag-{refund.id}",
    )
    # Already last: nothing moves, nothing is logged.
    client.post(
        f"/admin/review-tags/{refund.id}/move", data={"csrf_token": token, "direction": "down"}
    )
    process = shared_tags["Process"]
    client.post(f"/admin/review-tags/{process.id}/archived", data={"csrf_token": token})
    clock.advance(minutes=1)
    rude = db.session.scalar(sa.select(ReviewTag).where(ReviewTag.name == "Rude"))
    assert rude is not None
    client.post(f"/admin/review-tags/{rude.id}/archived", data={"csrf_token": token})
    client.post(f"/admin/review-tags/{rude.id}/archived", data={"csrf_token": token})

    page = client.get("/admin/review-tags/").text
    assert listed(page, "list-shared") == [
        "Praise: Offered",
        "Product: Offered",
        "Billing: Offered",
        "Process: Archived 2026-03-02 09:00 UTC",
        "Other: Offered",
        "Rude: Offered",
    ]
    assert listed(page, f"list-{org.team.id}") == ["Invoice: Offered", "Refund asked: Offered"]
    assert listed(page, f"list-{other_team.id}") == []
    assert "Tag Rude is restored." in page
    assert [(action, target, details) for *_, action, target, details in logged("review_tag.")] == [
        ("review_tag.added", f"review_tag:{refund.id}", {"name": "Refund", "team": "Billing"}),
        ("review_tag.added", f"review_tag:{rude.id}", {"name": "Rude", "team": None}),
        ("review_tag.added", f"review_tag:{refund.id + 2}", {"name": "Invoice", "team": "Billing"}),
        ("review_tag.renamed", f"review_tag:{refund.id}", {"from": "Refund", "to": "Refund asked"}),
        ("review_tag.moved", f"review_tag:{refund.id}", {"name": "Refund asked", "to": 2}),
        ("review_tag.archived", f"review_tag:{process.id}", {"name": "Process", "team": None}),
        ("review_tag.archived", f"review_tag:{rude.id}", {"name": "Rude", "team": None}),
        ("review_tag.restored", f"review_tag:{rude.id}", {"name": "Rude", "team": None}),
    ]


@pytest.mark.parametrize(
    ("name", "team", "error"),
    [
        ("", "", "Give the tag a name."),
        ("   ", "shared", "Give the tag a name."),
        ("x" * 41, "", "The name must be at most 40 characters."),
        ("Bad\x07bell", "", "The name must be plain text, without control characters."),
        ("billing", "", "The shared list already has the tag Billing."),
        ("BILLING", "team", "The shared list already has the tag Billing."),
        ("refund", "team", "A team's list already has the tag Refund."),
        ("REFUND", "", "A team's list already has the tag Refund."),
    ],
)
def test_a_bad_tag_name_is_refused_naming_why_and_nothing_is_added(
    client: FlaskClient,
    org: Org,
    sign_in: SignIn,
    shared_tags: dict[str, ReviewTag],
    clock: Any,
    name: str,
    team: str,
    error: str,
) -> None:
    add_tag("Refund", org.team, clock.now)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ReviewTag))
    sign_in(org.admin)
    token = csrf_from(client.get("/admin/review-tags/").text)
    team_id = str(org.team.id) if team == "team" else ""
    refused = client.post(
        "/admin/review-tags/", data={"csrf_token": token, "name": name, "team": team_id}
    )
    assert refused.status_code == 422
    assert f'<p class="field-error" id="name-error">{error}</p>' in html.unescape(refused.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewTag)) == before
    # Renaming a shared tag is held to the same rules as adding one to the shared list.
    other = shared_tags["Other"]
    renamed = client.post(
        f"/admin/review-tags/{other.id}", data={"csrf_token": token, "name": name}
    )
    assert renamed.status_code == 422
    assert f'<p class="field-error" id="name-error">{error}</p>' in html.unescape(renamed.text)
    db.session.expire_all()
    assert db.session.get(ReviewTag, other.id).name == "Other"


def test_a_tag_unknown_or_a_team_unknown_is_refused(
    client: FlaskClient, org: Org, sign_in: SignIn, shared_tags: dict[str, ReviewTag]
) -> None:
    sign_in(org.admin)
    token = csrf_from(client.get("/admin/review-tags/").text)
    assert client.get("/admin/review-tags/999").status_code == 404
    archived = client.post("/admin/review-tags/999/archived", data={"csrf_token": token})
    assert archived.status_code == 404
    refused = client.post(
        "/admin/review-tags/", data={"csrf_token": token, "name": "Fine", "team": "999"}
    )
    assert refused.status_code == 422
    assert "Not a valid choice." in refused.text
    praise = shared_tags["Praise"]
    moved = client.post(
        f"/admin/review-tags/{praise.id}/move", data={"csrf_token": token, "direction": "sideways"}
    )
    assert moved.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReviewTag, praise.id).position == 1


def test_an_agent_tags_from_the_shared_list_and_their_team_s_only(
    client: FlaskClient,
    org: Org,
    sign_in: SignIn,
    answer: Answer,
    shared_tags: dict[str, ReviewTag],
    other_team: Team,
    clock: Any,
) -> None:
    refund = add_tag("Refund", org.team, clock.now)
    outage = add_tag("Outage", other_team, clock.now)
    response = answer(2, comment="The invoice was wrong")
    sign_in(org.agent_user)
    page = client.get("/review/").text
    assert offered(page, response.id) == [
        "Praise",
        "Product",
        "Billing",
        "Process",
        "Other",
        "Refund",
    ]
    filter_options = re.findall(r'<option value="(\d+)">([^<]*)</option>', page)
    assert [label for _, label in filter_options] == [
        "Praise",
        "Product",
        "Billing",
        "Process",
        "Other",
        "Refund",
    ]
    token = csrf_from(page)
    saved = client.post(
        f"/review/responses/{response.id}",
        data={"csrf_token": token, f"r{response.id}-tags": [refund.id, shared_tags["Billing"].id]},
    )
    assert saved.status_code == 302
    review = db.session.scalar(sa.select(CommentReview))
    assert review is not None and review.tag_names == ["Billing", "Refund"]

    # Another team's tag is refused, and the review keeps what it had.
    refused = client.post(
        f"/review/responses/{response.id}",
        data={"csrf_token": token, f"r{response.id}-tags": [outage.id]},
        follow_redirects=True,
    )
    assert f"Tag {outage.id} is not in your team&#39;s list." in refused.text
    db.session.expire_all()
    assert review.tag_names == ["Billing", "Refund"]
    assert client.get(f"/review/?tag={outage.id}").status_code == 422
    assert client.get(f"/review/?tag={refund.id}").text.count("<article") == 1

    # An archived tag is not offered again, but the comment keeps it until it is unticked.
    refund.archived_at = clock.now
    db.session.commit()
    page = client.get("/review/").text
    assert offered(page, response.id) == [
        "Praise",
        "Product",
        "Billing [x]",
        "Process",
        "Other",
        "Refund (archived) [x]",
    ]
    other = answer(3, comment="Slow")
    page = client.get("/review/").text
    assert "Refund" not in offered(page, other.id)
    assert "Refund (archived)" in re.findall(r'<option value="\d+">([^<]*)</option>', page)
    refused = client.post(
        f"/review/responses/{other.id}",
        data={"csrf_token": token, f"r{other.id}-tags": [refund.id]},
    )
    assert (
        db.session.scalar(sa.select(CommentReview).where(CommentReview.response_id == other.id))
        is None
    )
    kept = client.post(
        f"/review/responses/{response.id}",
        data={"csrf_token": token, f"r{response.id}-tags": [refund.id]},
    )
    assert kept.status_code == 302
    db.session.expire_all()
    assert review.tag_names == ["Refund"]


def test_an_agent_without_a_team_is_offered_the_shared_list(
    client: FlaskClient,
    org: Org,
    sign_in: SignIn,
    answer: Answer,
    shared_tags: dict[str, ReviewTag],
    clock: Any,
) -> None:
    add_tag("Refund", org.team, clock.now)
    org.agent.team = None
    db.session.commit()
    response = answer(4, comment="Fine")
    sign_in(org.agent_user)
    assert offered(client.get("/review/").text, response.id) == [
        "Praise",
        "Product",
        "Billing",
        "Process",
        "Other",
    ]


def test_migration_1114_makes_the_fixed_tags_the_shared_list_and_keeps_every_tag(
    org: Org, answer: Answer, shared_tags: dict[str, ReviewTag], clock: Any
) -> None:
    first, second = answer(2, comment="Wrong invoice").id, answer(5, comment="Lovely").id
    db.session.remove()
    downgrade(revision="1113")
    try:
        with db.engine.begin() as connection:
            assert "review_tags" not in sa.inspect(connection).get_table_names()
            for response, acknowledged in ((first, None), (second, "2026-03-02 09:00:00")):
                connection.execute(
                    sa.text(
                        "INSERT INTO comment_reviews (response_id, reviewer_id, acknowledged_at,"
                        " updated_at) VALUES (:response, NULL, :acknowledged, '2026-03-02 09:00')"
                    ),
                    {"response": response, "acknowledged": acknowledged},
                )
            reviews = dict(
                (response_id, review_id)
                for review_id, response_id in connection.execute(
                    sa.text("SELECT id, response_id FROM comment_reviews")
                )
            )
            for response, tag in ((first, "billing"), (first, "process"), (second, "praise")):
                connection.execute(
                    sa.text("INSERT INTO comment_review_tags (review_id, tag) VALUES (:r, :t)"),
                    {"r": reviews[response], "t": tag},
                )
    finally:
        upgrade()

    tags = {
        review.response_id: (review.tag_names, review.acknowledged_at)
        for review in db.session.scalars(sa.select(CommentReview))
    }
    assert tags == {
        first: (["Billing", "Process"], None),
        second: (["Praise"], clock.now),
    }
    shared = db.session.scalars(
        sa.select(ReviewTag).where(ReviewTag.team_id.is_(None)).order_by(ReviewTag.position)
    ).all()
    assert [(tag.name, tag.position, tag.archived_at) for tag in shared] == [
        ("Praise", 1, None),
        ("Product", 2, None),
        ("Billing", 3, None),
        ("Process", 4, None),
        ("Other", 5, None),
    ]
    # A new tag after the seeded ones gets the next id.
    assert add_tag("Refund", None, clock.now).id == 6

    db.session.remove()
    downgrade(revision="1113")
    try:
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT r.response_id, t.tag FROM comment_review_tags t"
                    " JOIN comment_reviews r ON r.id = t.review_id ORDER BY r.response_id, t.tag"
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            (first, "billing"),
            (first, "process"),
            (second, "praise"),
        ]
    finally:
        upgrade()
