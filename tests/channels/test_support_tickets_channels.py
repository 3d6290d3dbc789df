"""The Kaggle support tickets (tests/data/customer_support_tickets_300.csv) import with their
four channels as the file names them, "Social media" included, and the dashboard shows each."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import ChannelLabel, Interaction, Response
from feedback_app.services.rollups import rollup_differences

TICKETS = Path(__file__).resolve().parent.parent / "data" / "customer_support_tickets_300.csv"
RESPONSES_MAP = (
    "score=Customer Satisfaction Rating,submitted_at=Time to Resolution,"
    "channel=Ticket Channel,email=Customer Email,source_id=Ticket ID"
)
INTERACTIONS_MAP = (
    "external_id=Ticket ID,customer_email=Customer Email,customer_name=Customer Name,"
    "channel=Ticket Channel,topic=Ticket Type,first_response_at=First Response Time,"
    "opened_at=First Response Time"
)
PERIOD = "since=2023-05-31&until=2023-06-01"


def import_responses(runner: FlaskCliRunner, *extra: str) -> object:
    return runner.invoke(
        args=["import-responses", str(TICKETS), "--kind", "csat", "--map", RESPONSES_MAP, *extra]
    )


def channels_of(model: type[Response] | type[Interaction]) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(model.channel, sa.func.count()).group_by(model.channel).order_by(model.channel)
    )
    return dict(rows.all())


def section(html: str, heading_id: str) -> str:
    """The page's section under the heading ``heading_id``, its tags one a line."""
    start = html.index(f'id="{heading_id}"')
    return re.sub(r">\s+<", ">\n<", html[start : html.index("</section>", start)])


def test_the_tickets_import_with_their_four_channels_and_the_dashboard_shows_them(
    runner: FlaskCliRunner, client: FlaskClient, login: Callable[..., object]
) -> None:
    result = import_responses(runner)
    # 199 tickets have no rating: each is named and left out.
    assert result.exit_code == 1
    assert set(result.stderr.splitlines()) == {
        f"line {n}: the score is missing"
        for n in [int(line.split(":")[0][5:]) for line in result.stderr.splitlines()]
    }
    assert len(result.stderr.splitlines()) == 199
    assert result.stdout == "imported 101; rejected 199\n"
    assert channels_of(Response) == {"Chat": 32, "Email": 21, "Phone": 25, "Social media": 23}
    assert rollup_differences() == []

    login("manager")
    page = client.get(f"/dashboard?kind=csat&{PERIOD}&group_by=channel")
    assert page.status_code == 200
    link = (
        '<tr><th scope="row"><a href="/dashboard/responses?kind=csat&amp;{}&amp;channel={}">'
        "{}</a></th>"
    )
    period = PERIOD.replace("&", "&amp;")
    assert section(page.text, "groups-heading") == "\n".join(
        [
            'id="groups-heading">CSAT by channel</h2>',
            '<div class="table-scroll" role="region" aria-label="CSAT by channel" tabindex="0">',
            '<table class="breakdown">',
            '<thead><tr><th scope="col">Channel</th><th scope="col">CSAT %</th></tr></thead>',
            "<tbody>",
            link.format(period, "Chat", "Chat"),
            '<td><span class="figure-value">43.8%</span>',
            '<span class="figure-meta">n = 32, ± 16.3 pts</span></td></tr>',
            link.format(period, "Phone", "Phone"),
            '<td><span class="figure-value">24.0%</span>',
            '<span class="figure-meta">n = 25, ± 16.0 pts</span>',
            '<span class="low-sample">low sample</span></td></tr>',
            link.format(period, "Social+media", "Social media"),
            '<td><span class="figure-value">39.1%</span>',
            '<span class="figure-meta">n = 23, ± 18.5 pts</span>',
            '<span class="low-sample">low sample</span></td></tr>',
            link.format(period, "Email", "Email"),
            '<td><span class="figure-value">33.3%</span>',
            '<span class="figure-meta">n = 21, ± 18.7 pts</span>',
            '<span class="low-sample">low sample</span></td></tr>',
            "</tbody>",
            "</table>",
            "</div>\n  \n",
        ]
    )
    # The drill-down filters by the label, in any case.
    for channel in ("Social+media", "social_MEDIA"):
        drill = client.get(f"/dashboard/responses?kind=csat&{PERIOD}&channel={channel}")
        assert "23 in all." in drill.text, channel
        assert ", channel Social media." in drill.text
    export = client.get(f"/dashboard/export/responses.csv?kind=csat&{PERIOD}&channel=Chat")
    assert export.text.count(",Chat,") == 32


def test_a_channel_map_renames_the_files_channels(
    runner: FlaskCliRunner, client: FlaskClient, login: Callable[..., object]
) -> None:
    result = runner.invoke(
        args=[
            "import-interactions",
            str(TICKETS),
            "--map",
            INTERACTIONS_MAP,
            "--channel-map",
            "Social media=Social",
        ]
    )
    assert (result.exit_code, result.stdout) == (0, "imported 300; rejected 0\n")
    assert channels_of(Interaction) == {"Chat": 87, "Email": 65, "Phone": 71, "Social": 77}
    assert sorted(db.session.scalars(sa.select(ChannelLabel.label))) == [
        "Chat",
        "Email",
        "Phone",
        "Social",
    ]
    login("manager")
    page = client.get(f"/dashboard?{PERIOD}")
    # The 212 tickets with a first response time are dated by it; the others, undated,
    # count on the day they were imported.
    volume = re.findall(
        r'<tr><th scope="row">([^<]+)</th>\s*<td><a href="[^"]*channel=([^&]+)&amp;since='
        r'2023-05-31[^"]*">(\d+)</a></td>\s*<td><a [^>]*>(\d+)</a>',
        page.text,
    )
    assert volume == [
        ("Chat", "Chat", "62", "0"),
        ("Phone", "Phone", "54", "0"),
        ("Social", "Social", "51", "0"),
        ("Email", "Email", "45", "0"),
    ]
    drill = client.get(f"/dashboard/interactions?figure=volume&{PERIOD}&channel=social")
    assert "(51 in all)" in drill.text
    assert "<option selected>Social</option>" in drill.text
