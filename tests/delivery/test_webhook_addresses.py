"""Where webhooks may go: private, loopback, link-local and metadata addresses refused in
every spelling at registration and again at delivery (DNS may change), no redirect
followed, TLS checked against the name; the endpoint page shows only the start of a reply.

Private addresses are refused here unless a test allows them (the receivers listen on
127.0.0.1). Names under .test answer what each test says (the ``dns`` fixture).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from feedback_app.extensions import db
from feedback_app.models import (
    Invitation,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    User,
    WebhookEndpoint,
    WebhookFormat,
)
from feedback_app.services.outbox import deliver_outbox
from feedback_app.services.settling import settle_answers
from feedback_app.services.webhooks import InvalidEndpoint, create_endpoint
from tests.delivery.certificates import Authority, new_authority
from tests.delivery.conftest import serving
from tests.delivery.sinks import Reply, WebhookReceiver
from tests.helpers import PUBLIC_ADDRESS, FrozenClock, TestNames, csrf_from, store_answer

MakeInvitation = Callable[..., tuple[Invitation, str]]
ADVICE = (
    "; webhooks go to public addresses only, unless the installation sets"
    " FEEDBACK_WEBHOOK_ALLOW_PRIVATE_ADDRESSES"
)


def url_error(url: str, now: datetime) -> str:
    """The error that registering ``url`` gives for the URL field."""
    with pytest.raises(InvalidEndpoint) as refused:
        create_endpoint(url, ["response.created"], now)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0
    return refused.value.errors["url"]


def allow_private(app: Flask) -> None:
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = True


def webhook_row() -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.channel == OutboxChannel.WEBHOOK)
    ).one()


def answer_and_deliver(make_invitation: MakeInvitation, now: datetime) -> OutboxMessage:
    """One answer, settled, and the outbox delivered once: the webhook row it made."""
    invitation, _ = make_invitation()
    store_answer(invitation, 2, now, "Slow")
    settle_answers()
    deliver_outbox(now)
    return webhook_row()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1/hooks", "127.0.0.1 is a loopback address"),
        ("http://127.8.9.10:8080/hooks", "127.8.9.10 is a loopback address"),
        ("http://localhost/hooks", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://LOCALHOST./hooks", "localhost. resolves to 127.0.0.1, a loopback address"),
        ("http://127.0.0.1./hooks", "127.0.0.1. resolves to 127.0.0.1, a loopback address"),
        ("http://2130706433/hooks", "2130706433 means 127.0.0.1, a loopback address"),
        ("http://0x7f.1/hooks", "0x7f.1 means 127.0.0.1, a loopback address"),
        ("http://0177.0.0.1/hooks", "0177.0.0.1 means 127.0.0.1, a loopback address"),
        ("http://0x7f000001/hooks", "0x7f000001 means 127.0.0.1, a loopback address"),
        ("http://127.1/hooks", "127.1 means 127.0.0.1, a loopback address"),
        (
            "http://[::ffff:127.0.0.1]/hooks",
            "::ffff:127.0.0.1 is the IPv6 form of 127.0.0.1, a loopback address",
        ),
        ("http://[::ffff:a00:1]/", "::ffff:a00:1 is the IPv6 form of 10.0.0.1, a private address"),
        ("http://[::1]:9000/hooks", "::1 is a loopback address"),
        ("http://10.0.0.5/hooks", "10.0.0.5 is a private address"),
        ("http://172.16.3.4/hooks", "172.16.3.4 is a private address"),
        ("http://192.168.1.1/hooks", "192.168.1.1 is a private address"),
        ("http://100.64.0.1/hooks", "100.64.0.1 is a shared (carrier-grade NAT) address"),
        ("http://[fc00::1]/hooks", "fc00::1 is a unique-local address"),
        ("http://192.0.0.8/hooks", "192.0.0.8 is not a globally reachable address"),
        ("http://198.51.100.7/hooks", "198.51.100.7 is a private address"),
    ],
)
def test_private_addresses_are_refused_at_registration_in_every_spelling(
    app: Flask, clock: FrozenClock, url: str, problem: str
) -> None:
    assert url_error(url, clock.now) == f"refused: {problem}{ADVICE}"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://0.0.0.0/", "0.0.0.0 is the unspecified address, which reaches this machine"),
        ("http://0/", "0 means 0.0.0.0, the unspecified address, which reaches this machine"),
        ("http://[::]/", ":: is the unspecified address, which reaches this machine"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/", "fd00:ec2::254 is a cloud metadata address"),
        ("http://100.100.100.200/latest/", "100.100.100.200 is a cloud metadata address"),
        ("http://169.254.10.20/", "169.254.10.20 is a link-local address"),
        ("http://[fe80::1]/", "fe80::1 is a link-local address"),
        ("http://224.0.0.251/", "224.0.0.251 is a multicast address"),
        ("http://[ff02::1]/", "ff02::1 is a multicast address"),
        ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
        ("http://[::7f00:1]/", "::7f00:1 is a reserved address"),
        (
            "http://[::ffff:169.254.169.254]/",
            "::ffff:169.254.169.254 is the IPv6 form of 169.254.169.254, a cloud metadata address",
        ),
    ],
)
def test_metadata_link_local_and_multicast_stay_refused_with_private_addresses_allowed(
    app: Flask, clock: FrozenClock, url: str, problem: str
) -> None:
    assert url_error(url, clock.now) == f"refused: {problem}"
    allow_private(app)
    assert url_error(url, clock.now) == f"refused: {problem}"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hooks", "http://10.0.0.5/hooks", "http://100.64.0.1/"]
)
def test_an_installation_may_allow_private_receivers(
    app: Flask, clock: FrozenClock, url: str
) -> None:
    allow_private(app)
    assert create_endpoint(url, ["response.created"], clock.now).url == url


def test_names_are_checked_by_every_address_they_resolve_to(
    app: Flask, clock: FrozenClock, dns: TestNames
) -> None:
    dns.answer("intranet.test", ["10.0.0.5"])
    dns.answer("mixed.test", [PUBLIC_ADDRESS, "169.254.169.254"])
    dns.answer("six.test", ["2606:4700::1111", "fd12:3456::1"])
    dns.answer("hooks.test", [PUBLIC_ADDRESS])
    dns.answer("xn--bcher-kva.test", ["192.168.0.9"])

    assert url_error("https://intranet.test/hooks", clock.now) == (
        f"refused: intranet.test resolves to 10.0.0.5, a private address{ADVICE}"
    )
    assert url_error("https://b\u00fccher.test/hooks", clock.now) == (
        f"refused: xn--bcher-kva.test resolves to 192.168.0.9, a private address{ADVICE}"
    )
    assert url_error("https://mixed.test/hooks", clock.now) == (
        "refused: mixed.test resolves to 169.254.169.254, a cloud metadata address"
    )
    assert url_error("https://six.test/hooks", clock.now) == (
        f"refused: six.test resolves to fd12:3456::1, a unique-local address{ADVICE}"
    )
    assert url_error("https://nowhere.test/hooks", clock.now) == (
        "nowhere.test does not resolve to any address"
    )
    endpoint = create_endpoint("https://hooks.test/hooks", ["response.created"], clock.now)
    assert endpoint.url == "https://hooks.test/hooks"


@pytest.mark.parametrize(
    "url",
    [
        "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/hooks",  # fullwidth
        "http://127\u30020\u30020\u30021/hooks",  # ideographic full stops
        "ftp://example.com/hooks",
        "http:///hooks",
        "hooks.test/hooks",
        "http://hooks.test:99999/hooks",
    ],
)
def test_urls_that_are_not_plain_http_urls_are_refused(
    app: Flask, clock: FrozenClock, dns: TestNames, url: str
) -> None:
    dns.answer("hooks.test", [PUBLIC_ADDRESS])
    assert url_error(url, clock.now).startswith("must be an absolute http(s) URL")


def test_the_form_names_the_refused_address(
    app: Flask, client: FlaskClient, login: Callable[..., User]
) -> None:
    login("admin")
    form = client.get("/admin/webhooks")
    refused = client.post(
        "/admin/webhooks",
        data={
            "url": "http://[::ffff:169.254.169.254]/latest/meta-data/",
            "events": ["response.created"],
            "format": "standard",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert refused.status_code == 422
    assert (
        '<span class="error" id="url-error">refused: ::ffff:169.254.169.254 is the IPv6 form of'
        " 169.254.169.254, a cloud metadata address</span>"
    ) in refused.text
    assert 'value="http://[::ffff:169.254.169.254]/latest/meta-data/"' in refused.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_a_name_that_turns_private_after_registration_is_refused_at_delivery(
    app: Flask,
    clock: FrozenClock,
    dns: TestNames,
    make_invitation: MakeInvitation,
    webhook_receiver: WebhookReceiver,
) -> None:
    dns.answer("rebind.test", [PUBLIC_ADDRESS], ["127.0.0.1"])
    url = f"http://rebind.test:{webhook_receiver.port}/hooks"
    create_endpoint(url, ["response.created"], clock.now)
    db.session.commit()

    row = answer_and_deliver(make_invitation, clock.now)

    assert (row.status, row.attempts, row.last_error) == (
        OutboxStatus.DEAD,
        1,
        "refused: rebind.test resolves to 127.0.0.1, a loopback address",
    )
    assert webhook_receiver.deliveries == []
    clock.advance(hours=12)
    assert deliver_outbox(clock.now) == 0


def test_an_endpoint_stored_before_the_check_is_refused_at_delivery(
    app: Flask,
    clock: FrozenClock,
    make_invitation: MakeInvitation,
    webhook_receiver: WebhookReceiver,
) -> None:
    db.session.add(
        WebhookEndpoint(
            url=webhook_receiver.url,
            events=["response.created"],
            format=WebhookFormat.STANDARD,
            description="",
            secret="whsec_" + "a" * 43 + "=",
            active=True,
            created_at=clock.now,
        )
    )
    db.session.commit()

    row = answer_and_deliver(make_invitation, clock.now)

    assert (row.status, row.last_error) == (
        OutboxStatus.DEAD,
        "refused: 127.0.0.1 is a loopback address",
    )
    assert webhook_receiver.deliveries == []


def test_a_delivery_connects_to_the_address_it_checked_and_names_the_host(
    app: Flask,
    clock: FrozenClock,
    dns: TestNames,
    make_invitation: MakeInvitation,
    webhook_receiver: WebhookReceiver,
) -> None:
    """A second lookup, which a connection resolving the name again would make, fails."""
    allow_private(app)
    dns.answer("pinned.test", ["127.0.0.1"], ["127.0.0.1"], [])
    url = f"http://pinned.test:{webhook_receiver.port}/hooks"
    endpoint = create_endpoint(url, ["response.created"], clock.now)
    db.session.commit()
    webhook_receiver.secret = endpoint.secret

    row = answer_and_deliver(make_invitation, clock.now)

    assert (row.status, row.response_status) == (OutboxStatus.SENT, 204)
    assert dns.lookups["pinned.test"] == 2
    [delivery] = webhook_receiver.deliveries
    assert delivery.headers["Host"] == f"pinned.test:{webhook_receiver.port}"
    assert delivery.event["data"]["comment"] == "Slow"


def test_a_redirect_is_not_followed(
    app: Flask,
    clock: FrozenClock,
    make_invitation: MakeInvitation,
    webhook_receiver: WebhookReceiver,
) -> None:
    allow_private(app)
    elsewhere = webhook_receiver.url.replace("/hooks", "/elsewhere")
    webhook_receiver.reply = Reply(302, headers={"Location": elsewhere})
    endpoint = create_endpoint(webhook_receiver.url, ["response.created"], clock.now)
    db.session.commit()
    webhook_receiver.secret = endpoint.secret

    row = answer_and_deliver(make_invitation, clock.now)

    assert (row.status, row.response_status, row.last_error) == (
        OutboxStatus.FAILED,
        302,
        f"the receiver answered 302 (a redirect to {elsewhere}, not followed:"
        " register the final URL)",
    )
    assert len(webhook_receiver.deliveries) == 1


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return new_authority(tmp_path, "Webhook Test CA")


@pytest.fixture
def tls_receiver(
    tmp_path: Path, authority: Authority, request: pytest.FixtureRequest
) -> Iterator[WebhookReceiver]:
    """A receiver over TLS, its certificate issued by ``authority`` for the name the test
    gives as its parameter."""
    receiver = WebhookReceiver()
    with serving(receiver, authority.server_context(tmp_path, request.param)):
        yield receiver


def register_over_tls(
    app: Flask, authority: Authority, dns: TestNames, receiver: WebhookReceiver, now: datetime
) -> None:
    """Register https://hooks.test (127.0.0.1, private addresses allowed) trusting
    ``authority``, and give the receiver the endpoint's secret."""
    allow_private(app)
    app.config["WEBHOOK_CA_FILE"] = str(authority.pem_file)
    dns.answer("hooks.test", ["127.0.0.1"])
    url = f"https://hooks.test:{receiver.port}/hooks"
    receiver.secret = create_endpoint(url, ["response.created"], now).secret
    db.session.commit()


@pytest.mark.parametrize("tls_receiver", ["hooks.test"], indirect=True)
def test_https_to_a_checked_address_verifies_the_certificate_for_the_name(
    app: Flask,
    clock: FrozenClock,
    dns: TestNames,
    make_invitation: MakeInvitation,
    authority: Authority,
    tls_receiver: WebhookReceiver,
) -> None:
    register_over_tls(app, authority, dns, tls_receiver, clock.now)

    row = answer_and_deliver(make_invitation, clock.now)

    assert (row.status, row.response_status) == (OutboxStatus.SENT, 204)
    assert [d.headers["Host"] for d in tls_receiver.deliveries] == [
        f"hooks.test:{tls_receiver.port}"
    ]


@pytest.mark.parametrize("tls_receiver", ["other.test"], indirect=True)
def test_https_refuses_a_certificate_for_another_name(
    app: Flask,
    clock: FrozenClock,
    dns: TestNames,
    make_invitation: MakeInvitation,
    authority: Authority,
    tls_receiver: WebhookReceiver,
) -> None:
    register_over_tls(app, authority, dns, tls_receiver, clock.now)

    row = answer_and_deliver(make_invitation, clock.now)

    assert row.status is OutboxStatus.FAILED
    assert row.last_error.startswith("SSLError: ")
    assert "hostname 'hooks.test' doesn't match 'other.test'" in row.last_error
    assert tls_receiver.deliveries == []


def test_the_endpoint_page_shows_only_the_escaped_start_of_a_reply(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: MakeInvitation,
    webhook_receiver: WebhookReceiver,
) -> None:
    allow_private(app)
    script = "<script>alert('owned')</script>"
    body = script + "y" * 9_969
    webhook_receiver.reply = Reply(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})
    endpoint = create_endpoint(webhook_receiver.url, ["response.created"], clock.now)
    db.session.commit()
    webhook_receiver.secret = endpoint.secret
    row = answer_and_deliver(make_invitation, clock.now)
    login("admin")

    page = client.get(f"/admin/webhooks/{endpoint.id}")

    assert (row.status, row.response_body, row.response_length) == (
        OutboxStatus.SENT,
        body[:500],
        10_000,
    )
    escaped = "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;"
    assert f"answer 200, 10,000 bytes: <q>{escaped}{'y' * 469}</q>" in page.text
    assert "<script>alert" not in page.text
    assert "y" * 470 not in page.text


def test_a_reply_is_read_only_up_to_its_limit(
    app: Flask,
    client: FlaskClient,
    clock: FrozenClock,
    login: Callable[..., User],
    make_invitation: MakeInvitation,
    webhook_receiver: WebhookReceiver,
) -> None:
    allow_private(app)
    webhook_receiver.reply = Reply(503, b"z" * 5_000_000, {"Content-Type": "text/plain"})
    endpoint = create_endpoint(webhook_receiver.url, ["response.created"], clock.now)
    db.session.commit()
    webhook_receiver.secret = endpoint.secret
    row = answer_and_deliver(make_invitation, clock.now)
    login("admin")

    page = client.get("/admin/outbox")

    assert (row.status, row.response_status, row.response_length) == (
        OutboxStatus.FAILED,
        503,
        65_537,
    )
    assert row.response_body == "z" * 500
    assert f"answer 503, more than 65,536 bytes: <q>{'z' * 500}</q>" in page.text
