"""The weekly and monthly KPI reviews: through the outbox to a real SMTP server, once per
period and recipient (the job run twice, and two workers at once), each team's manager with
that team's figures, admins with everyone's, a chart that decodes as PNG and its numbers."""

from __future__ import annotations

import io
import re
import struct
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from feedback_app.extensions import db
from feedback_app.models import Customer, Response, ReviewDelivery, Team, User
from feedback_app.reviews.service import send_monthly_reviews, send_weekly_reviews
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.support.settling import settle_interactions
from feedback_app.targets.service import TargetInput, save_target
from surveys.schedule import review_month, review_week
from tests.dashboard.conftest import at, interaction
from tests.delivery.conftest import smtp_config, smtp_handler, smtp_sink  # noqa: F401
from tests.delivery.sinks import SinkHandler
from tests.helpers import FrozenClock

Answer = Callable[..., Response]
WEEKLY = "Weekly operational review: week of 2026-02-23 to 2026-03-01"
MONTHLY = "Monthly satisfaction review: 2026-02"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def app_config(smtp_config: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    return smtp_config


@pytest.fixture
def org(app: Flask, make_user: Callable[..., User], answer: Answer) -> dict[str, User]:
    """Support (led by Sue) and Sales (led by Sam), an admin, and a manager of no team.

    The week of 23 February: Support resolves a phone call at first contact in an hour
    (handle 600 s) and an email the next day, not at first contact (handle 1200 s); Sales a
    chat at first contact (handle 300 s). The week before, Support one call (900 s).
    February's answers: Support CSAT 5 and 1, NPS 2 ("Support was slow") and 9, CES 6;
    Sales CSAT 4 and NPS 3 ("Sales never called").
    """
    users = {
        "admin": make_user("admin@example.com", "admin"),
        "sue": make_user("sue@example.com", "manager"),
        "sam": make_user("sam@example.com", "manager"),
        "idle": make_user("idle@example.com", "manager"),
    }
    support = Team(name="Support", manager_id=users["sue"].id)
    sales = Team(name="Sales", manager_id=users["sam"].id)
    db.session.add_all([support, sales])
    db.session.commit()
    tickets = [
        (support, "phone", at(24), at(24, 10), True, 600),
        (support, "email", at(25), at(26), False, 1200),
        (sales, "chat", at(27), at(27, 9, 30), True, 300),
        (support, "phone", at(17), at(17, 10), True, 900),
    ]
    for number, (team, channel, opened, resolved, first, seconds) in enumerate(tickets):
        customer = Customer(email=f"t{number}@example.com", created_at=opened, updated_at=opened)
        interaction(
            customer, 200 + number, channel, opened, team=team, resolved_at=resolved,
            first_contact_resolved=first, handle_seconds=seconds,
        )  # fmt: skip
    db.session.commit()
    settle_interactions()
    answer("csat", 5, at=at(12), team="Support")
    answer("csat", 1, at=at(12), team="Support")
    answer("nps", 2, at=at(10), team="Support", comment="Support was slow")
    answer("nps", 9, at=at(10), team="Support", comment="Great")
    answer("ces", 6, at=at(11), team="Support")
    answer("csat", 4, at=at(12), team="Sales")
    answer("nps", 3, at=at(13), team="Sales", comment="Sales never called")
    return users


def reviews(handler: SinkHandler, subject: str) -> dict[str, EmailMessage]:
    """The reviews received with ``subject``, by recipient; fails on a second copy."""
    found: dict[str, EmailMessage] = {}
    for received in handler.received:
        if received.message["Subject"] == subject:
            [recipient] = received.recipients
            assert recipient not in found, f"{recipient} got {subject!r} twice"
            found[recipient] = received.message
    return found


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return part.get_content().replace("\r\n", "\n")


def charts(mail: EmailMessage) -> list[tuple[str, bytes]]:
    """Each image the HTML shows by cid (its alt text and bytes), from its related part."""
    related = next(part for part in mail.walk() if part.get_content_type() == "multipart/related")
    parts = list(related.iter_parts())
    assert parts[0].get_content_type() == "text/html"
    html = parts[0].get_content()
    images = {part["Content-ID"].strip("<>"): part for part in parts[1:]}
    shown = re.findall(r'<img src="cid:([^"]+)" alt="([^"]+)"', html)
    assert sorted(cid for cid, _ in shown) == sorted(images)
    result = []
    for cid, alt in shown:
        part = images[cid]
        assert part.get_content_type() == "image/png"
        assert part.get_content_disposition() == "inline"
        result.append((alt, part.get_payload(decode=True)))
    return result


def png_size(data: bytes) -> tuple[int, int]:
    """The PNG's width and height from its IHDR chunk, after checking its signature; and
    the same as Pillow reads when it decodes the whole image."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.size == (width, height)
    return width, height


def test_the_weekly_review_reaches_each_recipient_once_with_their_teams_figures(
    org: dict[str, User],
    clock: FrozenClock,
    smtp_handler: SinkHandler,  # noqa: F811
) -> None:
    assert send_weekly_reviews(clock.now) == 3
    assert send_weekly_reviews(clock.now) == 0
    deliver_outbox(clock.now)
    assert send_weekly_reviews(clock.now) == 0
    deliver_outbox(clock.now)

    got = reviews(smtp_handler, WEEKLY)
    assert sorted(got) == ["admin@example.com", "sam@example.com", "sue@example.com"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewDelivery)) == 3
    sue, sam, admin = (text_of(got[f"{n}@example.com"]) for n in ("sue", "sam", "admin"))
    # Support by hand: FCR 1 of 2, handle (600 + 1200) / 2 s, resolution (3600 + 86400) / 2
    # s; the week before, 1 of 1 and 900 s. Its two low answers' cases are past deadline.
    support = (
        "== Support ==\n\n"
        "First contact resolution: 50.0% (n = 2, ± 40.5 pts, low sample); before: 100.0%"
        " (n = 1, ± 39.7 pts, low sample); change: -50.0 pts\n"
        "Average handle time: 15 min (n = 2, 5 min to 24 min, low sample); before: 15 min"
        " (n = 1, low sample); change: no change\n"
    )
    assert support in sue and support in admin
    assert "Time to resolution (mean): 12 h 30 min (n = 2, 0 s to 1 d 11 h, low sample)" in sue
    assert "Volume (contacts opened): 2; before: 1; change: +1\n" in sue
    assert "Volume by channel:\n- Email: 1\n- Phone: 1\nOverdue follow-up cases now: 2\n" in sue
    assert (
        "2026-W08: First contact resolution 100.0% (n = 1, ± 39.7 pts, low sample);"
        " Average handle time 15 min (n = 1, low sample)\n"
    ) in sue
    assert "Sales" not in sue and "Chat" not in sue and "All teams" not in sue
    assert "== Sales ==" in sam and "Support" not in sam
    assert "Volume by channel:\n- Chat: 1\nOverdue follow-up cases now: 1\n" in sam
    # Everyone: FCR 2 of 3, handle 2100 / 3 s, three channels, three overdue cases.
    assert [line for line in admin.splitlines() if line.startswith("==")] == [
        "== All teams ==", "== Sales ==", "== Support ==",
    ]  # fmt: skip
    assert "First contact resolution: 66.7% (n = 3, ± 36.5 pts, low sample)" in admin
    assert "Average handle time: 11 min (n = 3, 3 min to 20 min, low sample)" in admin
    assert "- Chat: 1\n- Email: 1\n- Phone: 1\nOverdue follow-up cases now: 3\n" in admin
    for recipient, sections in (("sue", ["Support"]), ("admin", ["All teams", "Sales", "Support"])):
        mail = got[f"{recipient}@example.com"]
        assert mail.get_content_type() == "multipart/alternative"
        shown = charts(mail)
        assert [alt.split(" for ")[1].split(",")[0] for alt, _ in shown] == sections
        for alt, png in shown:
            assert alt.startswith("Chart of First contact resolution, Average handle time for ")
            assert alt.endswith(
                ", by week, 2026-W02 to 2026-W09, with 95% intervals;"
                " the numbers are in the table below it."
            )
            assert png_size(png) == (600, 400)  # two panels of 600 x 200
    html = got["sue@example.com"].get_body(("html",)).get_content()
    assert "<caption" in html and "The chart's numbers</caption>" in html
    assert "<td" in html and "50.0% (n = 2, ± 40.5 pts, low sample)" in html


def test_the_monthly_review_lists_each_teams_detractors_comments_to_its_manager(
    org: dict[str, User],
    clock: FrozenClock,
    smtp_handler: SinkHandler,  # noqa: F811
) -> None:
    assert send_monthly_reviews(clock.now) == 3
    assert send_monthly_reviews(clock.now) == 0
    deliver_outbox(clock.now)

    got = reviews(smtp_handler, MONTHLY)
    assert sorted(got) == ["admin@example.com", "sam@example.com", "sue@example.com"]
    sue, sam, admin = (text_of(got[f"{n}@example.com"]) for n in ("sue", "sam", "admin"))
    # Support by hand: CSAT 1 of 2 satisfied (5, 1); NPS one promoter and one detractor of 2;
    # CES 6. Everyone: CSAT 2 of 3, NPS (1 - 2) / 3.
    assert (
        "== Support ==\n\n"
        "CSAT: 50.0% (n = 2, ± 40.5 pts, low sample); before: No data; change: no comparison\n"
        "NPS: 0.0 (n = 2, ± 100.0, low sample); before: No data; change: no comparison\n"
        "CES (mean, 1-7): 6.00 (n = 1, low sample); before: No data; change: no comparison\n"
    ) in sue
    assert "Detractors' comments (1):\n- NPS 2, 2026-02-10: Support was slow\n" in sue
    assert "Sales never called" not in sue and "Great" not in sue
    assert "Detractors' comments (1):\n- NPS 3, 2026-02-13: Sales never called\n" in sam
    assert "Support was slow" not in sam
    assert "CSAT: 66.7% (n = 3, ± 36.5 pts, low sample)" in admin
    assert "NPS: -33.3 (n = 3, ± 86.7, low sample)" in admin
    assert (
        "Detractors' comments (2):\n- NPS 3, 2026-02-13: Sales never called\n"
        "- NPS 2, 2026-02-10: Support was slow\n"
    ) in admin
    shown = charts(got["sam@example.com"])
    [(alt, png)] = shown
    assert alt == (
        "Chart of CSAT, NPS, CES (mean, 1-7) for Sales, by month, 2025-09 to 2026-02, with 95%"
        " intervals; the numbers are in the table below it."
    )
    assert png_size(png) == (600, 600)  # three panels
    html = got["sam@example.com"].get_body(("html",)).get_content()
    assert 'dir="auto">NPS 3, 2026-02-13: Sales never called</li>' in html


def test_the_reviews_read_each_figure_against_its_target(
    org: dict[str, User],
    clock: FrozenClock,
    smtp_handler: SinkHandler,  # noqa: F811
) -> None:
    """A team's own target, else the overall one; a figure without a target says so."""
    for item in (
        TargetInput("fcr", 99, date(2026, 6, 30)),
        TargetInput("handle_time", 3600, date(2026, 6, 30), team="Support"),
        TargetInput("csat", 40, date(2026, 4, 30), team="Sales"),
    ):
        save_target(item, clock.now)
    db.session.commit()
    send_weekly_reviews(clock.now)
    send_monthly_reviews(clock.now)
    deliver_outbox(clock.now)

    weekly = reviews(smtp_handler, WEEKLY)
    sue, sam = text_of(weekly["sue@example.com"]), text_of(weekly["sam@example.com"])
    # Support: FCR 1 of 2 (at most 90.5%) misses 99%; handle time 15 min (5 to 24 min) is
    # under an hour. Sales: FCR 1 of 1 (20.7% to 100%) cannot tell yet.
    assert "change: -50.0 pts; target: at least 99.0% by 2026-06-30: missed\n" in sue
    assert "change: no change; target: at most 1 h by 2026-06-30: met\n" in sue
    assert "target: at least 99.0% by 2026-06-30: not yet distinguishable\n" in sam
    assert "Average handle time: 5 min (n = 1, low sample); before: No data; change: no" in sam
    assert "target: at most" not in sam
    html = weekly["sue@example.com"].get_body(("html",)).get_content()
    assert '<th scope="col" style="' in html and ">Target</th></tr>" in html
    assert ">at most 1 h by 2026-06-30: met</td></tr>" in html
    assert ">None set</td></tr>" in html

    monthly = reviews(smtp_handler, MONTHLY)
    # Sales: CSAT 1 of 1 (20.7% to 100%) against 40%: not yet distinguishable.
    assert (
        "CSAT: 100.0% (n = 1, ± 39.7 pts, low sample); before: No data; change: no comparison;"
        " target: at least 40.0% by 2026-04-30: not yet distinguishable\n"
    ) in text_of(monthly["sam@example.com"])
    assert "target:" not in text_of(monthly["sue@example.com"])
    assert ">Target</th>" not in monthly["sue@example.com"].get_body(("html",)).get_content()


def test_two_workers_at_once_send_each_review_once(
    app: Flask,
    org: dict[str, User],
    clock: FrozenClock,
    smtp_handler: SinkHandler,  # noqa: F811
) -> None:
    db.session.commit()
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        with app.app_context():
            try:
                start.wait()
                counts.append(send_weekly_reviews(clock.now))
            except BaseException as error:  # reported below, not lost in the thread
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deliver_outbox(clock.now)

    assert errors == []
    # However the two interleave, the three recipients are shared out, none twice.
    assert sum(counts) == 3 and len(counts) == 2
    assert sorted(reviews(smtp_handler, WEEKLY)) == [
        "admin@example.com", "sam@example.com", "sue@example.com",
    ]  # fmt: skip
    rows = db.session.execute(sa.select(ReviewDelivery.user_id, ReviewDelivery.period_start))
    assert sorted(rows) == sorted(
        (org[name].id, datetime(2026, 2, 23).date()) for name in ("admin", "sue", "sam")
    )


def test_reviews_fall_due_on_the_configured_day_and_hour(
    app: Flask,
    org: dict[str, User],
    clock: FrozenClock,
    smtp_handler: SinkHandler,  # noqa: F811
) -> None:
    app.config.update(REVIEW_WEEKDAY=2, REVIEW_MONTH_DAY=3, REVIEW_HOUR=7)
    # Monday 2 March: the week of 16 February and January are the latest due.
    assert send_weekly_reviews(clock.now) == 3
    assert send_monthly_reviews(clock.now) == 3
    clock.now = datetime(2026, 3, 4, 6, 59, tzinfo=UTC)
    assert send_weekly_reviews(clock.now) == 0
    clock.now = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
    assert send_weekly_reviews(clock.now) == 3
    assert send_monthly_reviews(clock.now) == 3
    app.config["REVIEWS_ENABLED"] = False
    clock.now = datetime(2026, 4, 6, 9, 0, tzinfo=UTC)
    assert send_weekly_reviews(clock.now) == 0
    assert send_monthly_reviews(clock.now) == 0
    deliver_outbox(clock.now)
    subjects = sorted({r.message["Subject"] for r in smtp_handler.received if "review" in
                       r.message["Subject"]})  # fmt: skip
    assert subjects == [
        "Monthly satisfaction review: 2026-01",
        "Monthly satisfaction review: 2026-02",
        "Weekly operational review: week of 2026-02-16 to 2026-02-22",
        WEEKLY,
    ]


@pytest.mark.parametrize(
    ("now", "weekday", "hour", "monday"),
    [
        (datetime(2026, 3, 2, 7, 59, tzinfo=UTC), 0, 8, "2026-02-16"),
        (datetime(2026, 3, 2, 8, 0, tzinfo=UTC), 0, 8, "2026-02-23"),
        (datetime(2026, 3, 8, 23, 0, tzinfo=UTC), 6, 23, "2026-02-23"),
        (datetime(2026, 3, 8, 22, 59, tzinfo=UTC), 6, 23, "2026-02-16"),
        (datetime(2026, 3, 4, 12, 0, tzinfo=UTC), 1, 0, "2026-02-23"),
    ],
)
def test_the_week_reviewed_is_the_latest_complete_one_due(
    now: datetime, weekday: int, hour: int, monday: str
) -> None:
    assert review_week(now, weekday, hour).isoformat() == monday


@pytest.mark.parametrize(
    ("now", "day", "hour", "first"),
    [
        (datetime(2026, 3, 1, 7, 59, tzinfo=UTC), 1, 8, "2026-01-01"),
        (datetime(2026, 3, 1, 8, 0, tzinfo=UTC), 1, 8, "2026-02-01"),
        (datetime(2026, 1, 27, 23, 0, tzinfo=UTC), 28, 0, "2025-11-01"),
        (datetime(2026, 1, 28, 0, 0, tzinfo=UTC), 28, 0, "2025-12-01"),
    ],
)
def test_the_month_reviewed_is_the_latest_complete_one_due(
    now: datetime, day: int, hour: int, first: str
) -> None:
    assert review_month(now, day, hour).isoformat() == first
