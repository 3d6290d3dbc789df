"""Channel labels on arrival (API, import, connector) and the admins' aliases page: labels
by alias, case and spacing ignored; at most 200 labels, refused by name everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, ChannelAlias, ChannelLabel, Customer, Interaction
from surveys.channels import MAX_LABELS
from tests.helpers import FrozenClock, csrf_from

URL = "/api/v1/interactions"


@pytest.fixture
def post(client: FlaskClient, api_key: str) -> Callable[..., TestResponse]:
    def do(external_id: str, channel: object) -> TestResponse:
        body = {"external_id": external_id, "customer": {"email": "casey@example.com"}}
        return client.post(
            URL,
            json={**body, "channel": channel, "survey": "none"},
            headers={"Authorization": f"Bearer {api_key}"},
        )

    return do


def labels() -> list[str]:
    return sorted(db.session.scalars(sa.select(ChannelLabel.label)), key=str.casefold)


def channel_of(external_id: str) -> str:
    return db.session.scalars(
        sa.select(Interaction.channel).where(Interaction.external_id == external_id)
    ).one()


def fill_labels(clock: FrozenClock) -> None:
    """Labels up to the limit: ``MAX_LABELS`` in all."""
    for number in range(MAX_LABELS - len(labels())):
        db.session.add(
            ChannelLabel(key=f"kiosk {number}", label=f"Kiosk {number}", created_at=clock.now)
        )
    db.session.commit()


def test_posted_channels_get_their_labels(post: Callable[..., TestResponse]) -> None:
    for external_id, channel in [
        ("T-1", "whatsapp"),
        ("T-2", "  WhatsApp "),
        ("T-3", 7),
        ("T-4", "voice"),
        ("T-5", "Carrier  pigeon"),
        ("T-6", "CARRIER_PIGEON"),
        ("T-7", None),
    ]:
        assert post(external_id, channel).status_code == 202, external_id
    assert [channel_of(f"T-{n}") for n in range(1, 8)] == [
        "WhatsApp",
        "WhatsApp",
        "Chat",
        "Phone",
        "Carrier pigeon",
        "Carrier pigeon",
        "Other",
    ]
    assert labels() == ["Carrier pigeon", "Chat", "Other", "Phone", "WhatsApp"]


def test_the_201st_label_is_refused_by_the_api_and_nothing_is_stored(
    post: Callable[..., TestResponse], clock: FrozenClock
) -> None:
    fill_labels(clock)
    refused = post("T-1", "Fax machine")
    assert refused.status_code == 422
    message = (
        "'Fax machine' would be channel number 201; at most 200 channels are kept: map it to "
        "an existing channel with an alias (Channels page, or --channel-map)"
    )
    assert refused.json["errors"] == {"channel": message}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0
    # Names that give a label already in use still arrive.
    assert post("T-2", "kiosk_7").status_code == 202
    assert channel_of("T-2") == "Kiosk 7"
    assert len(labels()) == MAX_LABELS


def test_the_201st_label_is_refused_by_the_import_with_its_line(
    runner: FlaskCliRunner, clock: FrozenClock, tmp_path: Path
) -> None:
    fill_labels(clock)
    path = tmp_path / "history.csv"
    path.write_text("id,score,channel\nA1,5,Kiosk 1\nA2,4,Fax machine\nA3,3,kiosk 3\n")
    result = runner.invoke(
        args=[
            "import-responses",
            str(path),
            "--kind",
            "csat",
            "--map",
            "score=score,channel=channel,source_id=id",
        ]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 3: channel: 'Fax machine' would be channel number 201; at most 200 channels are "
        "kept: map it to an existing channel with an alias (Channels page, or --channel-map)"
    ]
    assert result.stdout == "imported 2; rejected 1\n"
    # The same file, the new name mapped onto a label in use.
    result = runner.invoke(
        args=[
            "import-responses",
            str(path),
            "--kind",
            "csat",
            "--map",
            "score=score,channel=channel,source_id=id",
            "--channel-map",
            "fax machine=kiosk 2",
        ]
    )
    assert (result.exit_code, result.stdout) == (
        0,
        "imported 1; skipped 2 already imported (lines 2, 4); rejected 0\n",
    )


def test_a_bad_channel_map_is_named(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_text("score,channel\n5,Email\n")
    result = runner.invoke(
        args=[
            "import-responses",
            str(path),
            "--kind",
            "csat",
            "--map",
            "score=score,channel=channel",
            "--channel-map",
            "Social media",
        ]
    )
    assert result.exit_code == 2
    assert (
        "Error: Invalid value for --channel-map: 'Social media' must look like NAME=LABEL, "
        "e.g. Social media=Social"
    ) in result.stderr


# --- the page -----------------------------------------------------------------------------


def test_the_page_is_for_admins(client: FlaskClient, login: Callable[..., object]) -> None:
    assert client.get("/admin/channels/").status_code == 302
    login("manager")
    assert client.get("/admin/channels/").status_code == 403


def test_admins_add_change_and_remove_aliases(
    client: FlaskClient, login: Callable[..., object], post: Callable[..., TestResponse]
) -> None:
    login("admin")
    page = client.get("/admin/channels/")
    assert page.status_code == 200
    assert "<p>0 of at most 200.</p>" in page.text
    assert (
        "<tr>\n      <td><code>voice</code></td>\n      <td>Phone</td>\n      <td>default</td>"
        in page.text
    )
    token = csrf_from(page.text)

    saved = client.post(
        "/admin/channels/", data={"csrf_token": token, "name": " Twitter ", "label": "X"}
    )
    assert saved.status_code == 302
    changed = client.post(
        "/admin/channels/", data={"csrf_token": token, "name": "tg", "label": "x"}
    )
    assert changed.status_code == 302
    assert dict(db.session.execute(sa.select(ChannelAlias.name, ChannelAlias.label)).all()) == {
        "twitter": "X",
        "tg": "X",
    }
    assert post("T-1", "TWITTER").status_code == 202
    assert channel_of("T-1") == "X"
    page = client.get("/admin/channels/")
    assert "<p>1 of at most 200.</p>" in page.text
    assert "you (default: Social media)" in page.text
    assert [
        event.action
        for event in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("channel_alias.%"))
        )
    ] == ["channel_alias.set", "channel_alias.set"]

    removed = client.post("/admin/channels/remove", data={"csrf_token": token, "name": "twitter"})
    assert removed.status_code == 302
    assert post("T-2", "twitter").status_code == 202
    assert channel_of("T-2") == "Social media"
    assert (
        client.post(
            "/admin/channels/remove", data={"csrf_token": token, "name": "twitter"}
        ).status_code
        == 404
    )


def test_bad_aliases_are_named_on_the_page(
    client: FlaskClient, login: Callable[..., object], clock: FrozenClock
) -> None:
    login("admin")
    token = csrf_from(client.get("/admin/channels/").text)
    missing = client.post(
        "/admin/channels/", data={"csrf_token": token, "name": "tg", "label": " "}
    )
    assert missing.status_code == 422
    assert '<span class="error" id="label-error">is required</span>' in missing.text
    long = client.post(
        "/admin/channels/", data={"csrf_token": token, "name": "n" * 201, "label": "X"}
    )
    assert long.status_code == 422
    assert '<span class="error" id="name-error">must be at most 200 characters</span>' in long.text
    fill_labels(clock)
    full = client.post(
        "/admin/channels/", data={"csrf_token": token, "name": "tg", "label": "Telegram"}
    )
    assert full.status_code == 422
    assert (
        '<span class="error" id="label-error">&#39;tg&#39; would be channel number 201; at most 200'
    ) in full.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChannelAlias)) == 0
    # An alias onto a label in use is fine at the limit.
    assert (
        client.post(
            "/admin/channels/", data={"csrf_token": token, "name": "tg", "label": "KIOSK 3"}
        ).status_code
        == 302
    )
    assert db.session.get(ChannelAlias, "tg").label == "Kiosk 3"


def test_the_page_refuses_a_post_without_its_csrf_token(
    client: FlaskClient, login: Callable[..., object]
) -> None:
    login("admin")
    response = client.post("/admin/channels/", data={"name": "tg", "label": "Telegram"})
    assert response.status_code in (400, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChannelAlias)) == 0
