"""Every staff page with real-sized data, in Chromium on a phone and on a desktop: long
unbroken text wraps, wide tables scroll inside their own box, no page scrolls sideways."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page

from feedback_app.extensions import db
from feedback_app.models import (
    Agent,
    Customer,
    DelightedResponse,
    FollowUpCase,
    Interaction,
    OutboxMessage,
    OutboxStatus,
    User,
)
from feedback_app.services.followups import Actor, CaseChange, change_case
from feedback_app.services.invitations import add_invitation
from feedback_app.services.settling import settle_answers
from feedback_app.services.surveys import survey_for_kind
from feedback_app.services.webhooks import create_endpoint
from feedback_app.web.guards.limits import CUSTOMER_BLUEPRINTS
from surveys import channels
from surveys.kinds import SurveyKind
from tests.browser.conftest import PHONE, sign_in_as
from tests.browser.test_content_security_policy import NOT_PAGES
from tests.every_page import EMAILS, PASSWORDS, Site, seed_site
from tests.helpers import PUBLIC_ADDRESS, FrozenClock, TestNames, store_answer

pytestmark = pytest.mark.browser

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
#: What staff type and customers write, at the longest the app stores, without a space.
COMMENT = "Unbroken" * 625
#: A note and a tag kept from Delighted, at their longest, without a space.
NOTE = "Delighted" * 555 + "Notes"
TAG = "T" * 100
NAME = "N" * 200
PATH = "/" + "segment-" * 40
URL = f"https://hooks.receiver.example{PATH}"
#: The error a receiver that never answers leaves on its outbox row.
ERROR = (
    "ConnectionError: HTTPSConnectionPool(host='hooks.receiver.example', port=443): Max retries "
    f"exceeded with url: {PATH}"
)
#: Responses, with their cases and emails: more than one page of every list.
ROWS = 30
#: The part of the page's width beyond the screen, and every element that sticks out of it
#: without being inside a box that scrolls sideways.
OVERFLOW = """
() => {
  const width = document.documentElement.clientWidth;
  const beyond = document.scrollingElement.scrollWidth - width;
  if (beyond <= 0) return {beyond, out: []};
  const scrolls = (element) => {
    for (let box = element.parentElement; box; box = box.parentElement) {
      if (box === document.body || box === document.documentElement) return false;
      if (["auto", "scroll"].includes(getComputedStyle(box).overflowX)) return true;
    }
    return false;
  };
  const sticksOut = (element) =>
    element.getBoundingClientRect().right > width + 0.5 ||
    (element.scrollWidth > element.clientWidth + 1 &&
      getComputedStyle(element).overflowX === "visible");
  const out = [...document.body.querySelectorAll("*")]
    .filter((element) => sticksOut(element) && !scrolls(element))
    .map((element) => `${element.tagName.toLowerCase()}.${element.getAttribute("class")}`);
  return {beyond, out: out.slice(0, 12)};
}
"""


def add_long_rows(now: datetime, dns: TestNames) -> dict[str, int]:
    """What real use leaves behind at its longest: a customer and an agent with 200-character
    names, comments of 5,000 characters without a space and a note as long, each response
    imported from Delighted with a note as long and a 100-character tag, a webhook
    endpoint with a long URL and description and its failed deliveries' errors; returns the
    ids of a case and an interaction showing them."""
    dns.answer("hooks.receiver.example", [PUBLIC_ADDRESS])
    endpoint = create_endpoint(URL, ["response.created"], now, description=NAME)
    agent = db.session.scalar(sa.select(Agent).where(Agent.email == EMAILS["agent"]))
    manager = db.session.scalar(sa.select(User).where(User.email == EMAILS["manager"]))
    assert agent is not None and manager is not None
    agent.name = NAME
    survey = survey_for_kind(SurveyKind.CSAT, now)
    for number in range(ROWS):
        customer = Customer(
            email=f"{'c' * 60}{number}@{'long-domain-' * 10}example.com",
            name=NAME,
            created_at=now,
            updated_at=now,
        )
        interaction = Interaction(
            external_id=f"TICKET-{number:04d}-{'X' * 150}",
            customer=customer,
            channel=channels.EMAIL,
            agent=agent,
            team_id=agent.team_id,
            topic=NAME,
            created_at=now - timedelta(hours=number),
            updated_at=now,
        )
        db.session.add_all([customer, interaction])
        invitation = add_invitation(survey, customer, now, interaction=interaction)
        response = store_answer(invitation, 1, now - timedelta(minutes=number), COMMENT)
        db.session.add(
            DelightedResponse(
                response_id=response.id,
                delighted_id=f"{number:040d}",
                notes=[{"id": str(number), "text": NOTE, "user_email": customer.email,
                        "created_at": int(now.timestamp())}],
                tags=[TAG, "Checkout"],
            )
        )  # fmt: skip
        db.session.commit()
    settle_answers()
    case = db.session.scalar(sa.select(FollowUpCase).where(FollowUpCase.customer_id == customer.id))
    assert case is not None
    change_case(case, CaseChange(note=COMMENT), Actor.of(manager), now)
    webhooks = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.endpoint_id == endpoint.id)
    ).all()
    assert len(webhooks) == ROWS
    for row in webhooks:
        row.status = OutboxStatus.FAILED
        row.attempts = 3
        row.last_error = ERROR
        row.response_body = COMMENT
    db.session.commit()
    return {"case_id": case.id, "interaction_id": interaction.id, "endpoint_id": endpoint.id}


#: Pages each role sees and the long texts each shows, so that they are known to have been
#: there.
SHOWN = {
    "admin": {
        "home.index": "Email: to fix. Emails are kept in the development mailbox",
        "dashboard.responses": (COMMENT, TAG),
        "followups.triage": COMMENT[:150],
        "followups.case_page": (COMMENT, NOTE),
        "review.interaction": (COMMENT, NOTE),
        "delivery.webhooks": URL,
        "delivery.webhook": ERROR,
        "delivery.outbox_page": ERROR,
    },
    "manager": {
        "home.index": "Latest comments from unhappy customers",
        "dashboard.responses": (COMMENT, TAG),
        "followups.triage": COMMENT[:150],
        "followups.case_page": (COMMENT, NOTE),
    },
    "agent": {
        "home.index": "Your latest comments",
        "review.queue": (COMMENT, NOTE),
        "review.interaction": (COMMENT, NOTE),
        "scorecards.me": COMMENT,
    },
}


@pytest.fixture
def site(app: Flask, clock: FrozenClock, dns: TestNames) -> Site:
    """The demo's site, its pages showing the long rows."""
    seeded = seed_site(clock.now)
    long_rows = add_long_rows(clock.now, dns)
    return dataclasses.replace(seeded, arguments={**seeded.arguments, **long_rows})


#: The screens every page is looked at on.
SCREENS = {"phone": PHONE, "desktop": DESKTOP}


def sign_in(tab: Page, live_server: str, role: str) -> None:
    """Sign in as the demo's first login of ``role``."""
    sign_in_as(tab, live_server, EMAILS[role], PASSWORDS[role])


def test_no_staff_page_is_wider_than_the_screen(
    app: Flask, live_server: str, browser: Browser, site: Site
) -> None:
    """Each role's pages on each screen, in one test: the seed with its long rows is the
    slow part, so it is made once."""
    pages = {
        endpoint: url
        for endpoint, url in site.urls(app).items()
        if endpoint.split(".")[0] not in CUSTOMER_BLUEPRINTS and not endpoint.startswith(NOT_PAGES)
    }
    pages["dashboard.responses, page 2"] = pages["dashboard.responses"] + "?page=2"
    wide, missing = {}, []
    for role, shown in SHOWN.items():
        for screen, settings in SCREENS.items():
            context = browser.new_context(**settings)
            tab = context.new_page()
            sign_in(tab, live_server, role)
            for endpoint, url in sorted(pages.items()):
                response = tab.goto(live_server + url)
                assert response is not None
                seen = f"{role} on a {screen}: {endpoint}"
                wanted = shown.get(endpoint, ())
                main = tab.locator("main").inner_text()
                texts = (wanted,) if isinstance(wanted, str) else wanted
                if any(text not in main for text in texts):
                    missing.append(seen)
                layout = tab.evaluate(OVERFLOW)
                if layout["beyond"] > 0 or layout["out"]:
                    wide[seen] = layout
            context.close()
    assert missing == []
    assert wide == {}, "\n".join(f"{seen}: {layout}" for seen, layout in wide.items())
