"""Themes kept by the worker, shown on the dashboard and by the API; pinned themes tag new
comments that match."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.jobs import all_jobs
from feedback_app.models import (
    PinnedTheme,
    Response,
    Theme,
    ThemeMention,
    ThemeRun,
    ThemeTag,
    User,
)
from feedback_app.privacy.forget import forget_person
from feedback_app.scheduler import run_job
from feedback_app.themes.service import pin_theme
from tests.helpers import FrozenClock, csrf_from

Answer = Callable[..., Response]
#: The clock's day is 2026-03-02; the default period is the 30 days up to it.
PERIOD = "since=2026-02-01&until=2026-03-02"


def compute(app: Flask) -> int:
    return run_job(app, all_jobs()["compute-themes"])


def kept(kind: str = "csat") -> dict[str, tuple[int, dict[str, int]]]:
    run = db.session.scalar(sa.select(ThemeRun).where(ThemeRun.scope.startswith(kind + "|")))
    assert run is not None
    themes = db.session.scalars(sa.select(Theme).where(Theme.run_id == run.id))
    return {theme.label: (theme.count, theme.by_bucket) for theme in themes}


@pytest.mark.usefixtures("comments")
def test_the_worker_computes_and_keeps_each_kind_s_themes(app: Flask) -> None:
    assert compute(app) == 3  # CSAT, CES and NPS over the last 30 days.

    assert kept("csat") == {
        "long wait": (3, {"unsatisfied": 2, "satisfied": 1}),
        "friendly staff": (3, {"satisfied": 3}),
        "quick answer": (2, {"satisfied": 2}),
    }
    assert kept("nps") == {}
    # Kept, not computed again until an hour has passed and someone asks.
    assert compute(app) == 0


def test_the_page_asks_the_worker_then_shows_the_themes_and_links_to_their_comments(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., User],
    comments: dict[str, Response],
    clock: FrozenClock,
) -> None:
    login("manager")
    url = f"/dashboard/themes?kind=csat&{PERIOD}&channel=phone"

    waiting = client.get(url)
    assert waiting.status_code == 200
    assert "The worker is computing the themes of these comments" in waiting.text

    # Three selections a run, oldest request first: the page's, then two kinds' defaults.
    assert compute(app) == 3
    page = client.get(url).text
    assert "Computed by the worker <time" in page
    assert "from 2 comments (1 unsatisfied, 1 satisfied)" in page
    assert '<h2 id="theme-' in page and ">long wait</h2>" in page
    assert "<strong>2</strong> comments" in page
    assert "100.0% of unsatisfied comments</span> vs" in page
    assert "100.0% of satisfied comments</span>" in page
    assert "<blockquote>Long wait, but friendly staff.</blockquote>" in page

    theme = db.session.scalar(sa.select(Theme).where(Theme.label == "long wait", Theme.count == 2))
    assert theme is not None
    listed = client.get(f"/dashboard/responses?theme={theme.id}&kind=csat&{PERIOD}&channel=phone")
    assert listed.status_code == 200
    assert "mentioning “long wait”" in listed.text
    assert listed.text.count("<tr><td>") == 2
    gone = client.get("/dashboard/responses?theme=999")
    assert gone.status_code == 422
    assert "there is no theme 999; the themes were computed again since" in gone.text


@pytest.mark.usefixtures("comments")
def test_pinning_a_theme_tags_its_comments_and_then_new_and_edited_ones(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., User],
    answer: Answer,
    clock: FrozenClock,
) -> None:
    login("manager")
    compute(app)
    theme = db.session.scalar(sa.select(Theme).where(Theme.label == "long wait"))
    assert theme is not None
    page = client.get(f"/dashboard/themes?kind=csat&{PERIOD}")
    assert "Pin “long wait” as a tag" in page.text

    pinned = client.post(
        "/dashboard/themes/pin",
        data={"theme": theme.id, "kind": "csat", "csrf_token": csrf_from(page.text)},
    )
    assert pinned.status_code == 302
    assert pinned.headers["Location"] == "/dashboard/themes?kind=csat"
    pin = db.session.scalar(sa.select(PinnedTheme))
    assert pin is not None and (pin.phrase, pin.label) == ("long wait", "long wait")
    assert tagged(pin) == [
        "Long wait on the phone.",
        "The long wait was annoying.",
        "Long wait, but friendly staff.",
    ]

    clock.advance(minutes=5)
    new = answer("ces", 2, comment="Such a LONG WAIT!")
    other = answer("csat", 5, comment="Nothing to say")
    assert run_job(app, all_jobs()["tag-comments"]) >= 2
    assert tagged(pin)[-1] == "Such a LONG WAIT!"
    assert other.comment not in tagged(pin)

    # A comment edited not to say it any more loses the tag.
    clock.advance(minutes=5)
    new.comment, new.updated_at = "All fine", clock.now
    db.session.commit()
    run_job(app, all_jobs()["tag-comments"])
    assert "All fine" not in tagged(pin) and len(tagged(pin)) == 3

    listed = client.get(f"/dashboard/responses?tag={pin.id}&since=2026-01-01")
    assert "tagged “long wait”" in listed.text
    page = client.get(f"/dashboard/themes?kind=csat&{PERIOD}")
    assert "Pinned as a tag" in page.text
    assert "(3 comments)" in page.text

    unpinned = client.post(
        "/dashboard/themes/unpin", data={"tag": pin.id, "csrf_token": csrf_from(page.text)}
    )
    assert unpinned.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ThemeTag)) == 0


def tagged(pin: PinnedTheme) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Response.comment)
            .join(ThemeTag, ThemeTag.response_id == Response.id)
            .where(ThemeTag.pinned_id == pin.id)
            .order_by(Response.id)
        )
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("kind=csat&bucket=promoter", "bucket", "is not a bucket of csat"),
        ("kind=xyz", "kind", "must be one of"),
        (
            "kind=nps&since=2026-03-05&until=2026-03-01",
            "since",
            "must not be after the last day of the period",
        ),
        ("kind=nps&team=abc", "team", ""),
        ("kind=nps&channel=fax", "channel", ""),
    ],
)
def test_bad_filters_are_named_on_the_page_and_by_the_api(
    client: FlaskClient,
    login: Callable[..., User],
    api_key: str,
    query: str,
    field: str,
    message: str,
) -> None:
    api = client.get(f"/api/v1/themes?{query}", headers={"Authorization": f"Bearer {api_key}"})
    assert api.status_code == 422
    assert field in api.json["errors"]  # type: ignore[index]
    assert message in api.json["errors"][field]  # type: ignore[index]
    login("manager")
    page = client.get(f"/dashboard/themes?{query}")
    assert page.status_code == 422
    assert f"<strong>{field}</strong>" in page.text


def test_the_api_needs_a_kind(client: FlaskClient, api_key: str) -> None:
    answer_ = client.get("/api/v1/themes", headers={"Authorization": f"Bearer {api_key}"})
    assert answer_.status_code == 422
    assert answer_.json["errors"] == {"kind": "is required: one of csat, ces, nps"}  # type: ignore[index]


def test_the_api_returns_the_kept_themes_of_a_selection(
    app: Flask, client: FlaskClient, api_key: str, comments: dict[str, Response]
) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    url = f"/api/v1/themes?kind=csat&{PERIOD}&bucket=satisfied"

    first = client.get(url, headers=headers).json
    assert first is not None
    assert (first["computed_at"], first["pending"], first["themes"]) == (None, True, [])
    compute(app)
    body: dict[str, Any] = client.get(url, headers=headers).json  # type: ignore[assignment]

    assert body["computed_at"] == "2026-03-02T09:00:00Z"
    assert (body["pending"], body["comments"], body["bucket"]) == (False, 4, "satisfied")
    assert body["comments_by_bucket"] == {"satisfied": 4}
    themes = {theme["label"]: theme for theme in body["themes"]}
    assert sorted(themes) == ["friendly staff", "quick answer"]
    staff = themes["friendly staff"]
    assert (staff["count"], staff["shares"], staff["pinned"]) == (
        3,
        {"unsatisfied": None, "satisfied": 0.75},
        False,
    )
    assert staff["examples"] == [
        {"response_id": comments[name].id, "text": comments[name].comment}
        for name in ("staff2", "staff1", "wait3")
    ]
    agent = comments["wait1"].agent_id
    by_agent = client.get(f"/api/v1/themes?kind=csat&agent={agent}", headers=headers).json
    assert by_agent is not None and by_agent["agent"] == str(agent)


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("manager", 200), ("admin", 200)])
def test_the_page_is_for_managers_and_admins(
    client: FlaskClient, login: Callable[..., User], role: str, status: int
) -> None:
    login(role)
    assert client.get("/dashboard/themes").status_code == status
    token = csrf_from(client.get("/").text)
    pinned = client.post("/dashboard/themes/pin", data={"theme": "1", "csrf_token": token})
    assert pinned.status_code == (403 if status == 403 else 404)


def test_a_read_key_may_read_themes_and_an_ingest_key_may_not(
    client: FlaskClient, make_api_key: Callable[..., str]
) -> None:
    ingest = make_api_key("ingest")
    answer_ = client.get("/api/v1/themes?kind=nps", headers={"Authorization": f"Bearer {ingest}"})
    assert answer_.status_code == 403


def test_a_forgotten_customer_s_comment_leaves_the_themes_mentions_and_tags(
    app: Flask, comments: dict[str, Response], clock: FrozenClock, make_user: Callable[..., User]
) -> None:
    compute(app)
    theme = db.session.scalar(sa.select(Theme).where(Theme.label == "long wait"))
    assert theme is not None
    pin = pin_theme(theme, make_user())
    forgotten = comments["wait1"]
    customer = forgotten.customer
    assert customer is not None

    forget_person(customer, clock.now)

    for model in (ThemeMention, ThemeTag):
        left = db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.response_id == forgotten.id)  # type: ignore[attr-defined]
        )
        assert left == 0, model
    assert len(tagged(pin)) == 2
