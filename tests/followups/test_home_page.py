"""The home page of each role: cases, this week's answers against last week's, the comments
to read, and for admins the set-up state with the pages that fix it."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from feedback_app.connectors.setup import create_connector
from feedback_app.extensions import db
from feedback_app.home.overview import QUIET_DAYS
from feedback_app.models import Survey
from feedback_app.services.heartbeat import beat
from tests.followups.conftest import Answer, Org, SignIn
from tests.followups.support import case_of


def text_of(page: str) -> str:
    """The page's main content as words, tags dropped."""
    main = page[page.index("<main") : page.index("</main>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


@pytest.fixture
def week(answer: Answer, org: Org, clock: Any) -> None:
    """Last Monday two happy CSAT answers; today (Monday 2 March) an unhappy one with a
    comment, whose case the Billing team's manager owns, and an NPS detractor's."""
    clock.advance(days=-7)
    answer(5)
    answer(4, email="b@example.com")
    clock.advance(days=7, hours=-2)
    assert case_of(answer(1, comment="The refund never arrived"))
    answer(2, kind="nps", comment="Three calls, no answer", email="c@example.com",
           agent=org.other_agent)  # fmt: skip
    clock.advance(hours=2)


SCORES = (
    "Scores this week against the same days of last week (UTC) "
    "Figure Today This week Same days last week Change "
    "CSAT % 0.0% n = 1, ± 39.7 pts low sample 0.0% n = 1, ± 39.7 pts low sample "
    "100.0% n = 2, ± 32.9 pts low sample -100.0 pts "
)


@pytest.mark.usefixtures("week")
def test_a_manager_sees_their_cases_the_week_and_the_unhappy_comments(
    client: FlaskClient, org: Org, sign_in: SignIn
) -> None:
    sign_in(org.manager)
    page = client.get("/")
    assert page.status_code == 200
    assert text_of(page.text) == (
        "Welcome, Manager Follow-up cases Yours 2 open 0 overdue Team Billing 2 open 0 overdue "
        "Everyone's 2 open 0 overdue Your cases and your teams', soonest deadline first "
        "Case Deadline Score Comment Customer "
        "#1 2026-03-04 07:00 UTC 1 CSAT The refund never arrived Casey "
        "#2 2026-03-04 07:00 UTC 2 NPS Three calls, no answer Casey "
        "Answers 2 answers today, 2 this week (since Monday 2 March). "
        + SCORES
        + "NPS -100.0 n = 1 low sample -100.0 n = 1 low sample No data no comparison "
        "The dashboard has the figures of any period. "
        "Latest comments from unhappy customers "
        "Three calls, no answer 2 (NPS, detractor), 2026-03-02 07:00 UTC , Casey · The interaction "
        "The refund never arrived 1 (CSAT, unsatisfied), 2026-03-02 07:00 UTC , Casey "
        "· The interaction All NPS detractors' answers"
    )
    links = re.findall(r'<a href="([^"]+)">', page.text[page.text.index("<main") :])
    assert [link for link in links if link.startswith("/followups/")] == [
        "/followups/?owner=me",
        "/followups/?overdue=yes&amp;owner=me",
        f"/followups/?team={org.team.id}",
        f"/followups/?overdue=yes&amp;team={org.team.id}",
        "/followups/",
        "/followups/?overdue=yes",
        "/followups/1",
        "/followups/2",
    ]


@pytest.mark.usefixtures("week")
def test_a_case_past_its_deadline_is_counted_overdue(
    client: FlaskClient, org: Org, sign_in: SignIn, clock: Any
) -> None:
    clock.advance(days=3)
    sign_in(org.other_manager)
    text = text_of(client.get("/").text)
    assert text.startswith(
        "Welcome, Manager2 Follow-up cases Yours 0 open 0 overdue Everyone's 2 open 2 overdue "
        "No open case is yours or your teams'. Answers 0 answers today, 2 this week "
        "(since Monday 2 March)."
    )


@pytest.mark.usefixtures("week")
def test_an_agent_sees_their_own_comments_and_figures(
    client: FlaskClient, org: Org, sign_in: SignIn
) -> None:
    sign_in(org.agent_user)
    assert text_of(client.get("/").text) == (
        "Welcome, Agent Your answers 1 answer today, 1 this week (since Monday 2 March). "
        + SCORES
        + "NPS No data No data No data no comparison "
        "Your latest comments The refund never arrived 1 (CSAT, unsatisfied), "
        "2026-03-02 07:00 UTC · The interaction All your comments"
    )


SETUP = (
    "Welcome, Admin Set-up {count} "
    "Email: to fix. Emails are kept in the development mailbox and reach no customer. Set "
    "FEEDBACK_MAIL_BACKEND=smtp and the FEEDBACK_SMTP_* settings, then restart. "
    "See the kept emails {worker} {rest}Follow-up cases"
)


@pytest.mark.usefixtures("week")
def test_an_admin_sees_what_is_left_to_set_up(
    client: FlaskClient, org: Org, sign_in: SignIn, clock: Any
) -> None:
    sign_in(org.admin)
    page = client.get("/")
    assert text_of(page.text).startswith(
        SETUP.format(
            count="3 things to fix.",
            worker="Worker: to fix. No worker has run yet: invitations, follow-ups and emails "
            'wait for one. Start one with "feedback worker" next to the web server. '
            "Check /healthz",
            rest="Helpdesk: to fix. No helpdesk is connected: interactions arrive only "
            "through the API. Connect a helpdesk ",
        )
    )
    assert '<a href="/dev/mailbox/">See the kept emails</a>' in page.text
    assert '<a href="/admin/connectors/">Connect a helpdesk</a>' in page.text


@pytest.mark.usefixtures("week")
def test_the_set_up_state_follows_the_worker_connectors_and_surveys(
    client: FlaskClient, org: Org, sign_in: SignIn, clock: Any
) -> None:
    clock.advance(days=QUIET_DAYS, minutes=1)
    beat(clock.now - timedelta(minutes=2))
    connector = create_connector("zendesk", "Main desk", clock.now)
    connector.secret = "shared-secret"
    db.session.commit()
    nps, csat = db.session.scalars(sa.select(Survey).order_by(Survey.name))
    sign_in(org.admin)
    page = client.get("/")
    assert text_of(page.text).startswith(
        SETUP.format(
            count="3 things to fix.",
            worker="Worker: OK. The worker last reported 2 minutes ago. Check /healthz",
            rest="Helpdesk: OK. Main desk is connected. Open Main desk "
            "Survey: to fix. Net Promoter Score has had no answer in 14 days. "
            "Check Net Promoter Score "
            "Survey: to fix. Support satisfaction (CSAT) has had no answer in 14 days. "
            "Check Support satisfaction (CSAT) ",
        )
    )
    assert f'<a href="/admin/connectors/{connector.id}">Open Main desk</a>' in page.text
    assert f'<a href="/admin/surveys/{nps.id}">Check Net Promoter Score</a>' in page.text
    assert f'<a href="/admin/surveys/{csat.id}">Check Support satisfaction (CSAT)</a>' in page.text
