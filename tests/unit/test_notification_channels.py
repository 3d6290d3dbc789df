"""The delivery adapters on their own: header safety, backoff, signatures, MIME."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from standardwebhooks import Webhook

from notifications import (
    HeaderInjectionError,
    InlineImage,
    MailboxChannel,
    Message,
    RetryPolicy,
    retry_delay,
    sign,
    wire_bytes,
)


def message(**fields: object) -> Message:
    values: dict[str, object] = {
        "message_id": "<1@example.com>",
        "sender": "support@example.com",
        "recipient": "casey@example.com",
        "subject": "How did we do?",
        "text": "Hello",
    }
    values.update(fields)
    return Message(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Hi\r\nBcc: victim@example.com"},
        {"subject": "Hi\nBcc: victim@example.com"},
        {"recipient_name": "Eve\rBcc: victim@example.com"},
        {"recipient": "casey@example.com\r\nBcc: victim@example.com"},
        {"sender_name": "Acme\n"},
        {"reply_to": "owner@example.com\r\nX-Evil: 1"},
        {"reply_to": "owner@example.com", "reply_to_name": "Jo\r\nBcc: victim@example.com"},
        {"headers": {"List-Unsubscribe": "<https://x>\r\nBcc: victim@example.com"}},
        {"headers": {"X-Evil\r\nBcc": "victim@example.com"}},
    ],
)
def test_a_header_value_with_cr_or_lf_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(HeaderInjectionError, match="may not contain CR or LF"):
        message(**fields)


def test_the_mime_has_text_then_html_alternative_and_quoted_names() -> None:
    wire = wire_bytes(
        message(
            recipient_name='Zoë "Z" Example',
            html="<p>Hello</p>",
            date=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        )
    )
    mime = message_from_bytes(wire, policy=policy.default)
    assert isinstance(mime, EmailMessage)
    assert mime["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"
    assert mime["To"] == '"Zoë \\"Z\\" Example" <casey@example.com>'
    assert [(part.get_content_type(), part.get_content()) for part in mime.iter_parts()] == [
        ("text/plain", "Hello"),
        ("text/html", "<p>Hello</p>"),
    ]
    assert b"\r\nTo: =?utf-8?q?Zo=C3=AB_=22Z=22_Example?= <casey@example.com>\r\n" in wire


def test_inline_images_go_with_the_html_in_a_related_part_with_their_content_ids() -> None:
    png = bytes(range(256)) * 3
    wire = wire_bytes(
        message(
            html='<img src="cid:a@x" alt="A"><img src="cid:b@x" alt="B">',
            images=(InlineImage("a@x", png, "png", "a.png"), InlineImage("b@x", b"\x89PNG")),
        )
    )
    mime = message_from_bytes(wire, policy=policy.default)
    assert isinstance(mime, EmailMessage)
    text, related = mime.iter_parts()
    assert (mime.get_content_type(), text.get_content_type()) == (
        "multipart/alternative",
        "text/plain",
    )
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "text/html"
    html, first, second = related.iter_parts()
    assert html.get_content_type() == "text/html"
    assert [(p["Content-ID"], p.get_content_disposition(), p.get_filename()) for p in
            (first, second)] == [("<a@x>", "inline", "a.png"),
                                 ("<b@x>", "inline", None)]  # fmt: skip
    assert first.get_payload(decode=True) == png
    assert second.get_payload(decode=True) == b"\x89PNG"
    # Base64 in lines of 76 characters, CRLF-ended like every other line.
    assert b"\r\n" + base64.b64encode(png)[:76] + b"\r\n" in wire


@pytest.mark.parametrize(
    "fields",
    [{"content_id": "a@x\r\nBcc: v@example.com"}, {"filename": 'a".png'}, {"subtype": "png; x"}],
)
def test_an_inline_image_that_would_break_its_headers_is_refused(fields: dict[str, str]) -> None:
    values = {"content_id": "a@x", "data": b"", "subtype": "png", "filename": "a.png", **fields}
    with pytest.raises(ValueError):
        InlineImage(**values)  # type: ignore[arg-type]


#: Display names that need quoting or encoding to stay one name beside one address.
AWKWARD_NAMES = [
    "Smith, Jo",
    'Jo "The Boss" Smith',
    "Support; Billing",
    "<ceo@example.com>",
    "ceo@example.com",
    "Jo: Smith (Billing) [EU]",
    "back\\slash",
    "Zoë Ünal",
    'Zoë, "Z" <zed@example.com>',
    "ééééé " * 20,
    "=?utf-8?q?ceo@example.com?=",
    "Zoë =?utf-8?b?Y2Vv?=",
    # As long as the columns that hold names allow, in characters that take the most room.
    '"' * 200,
    "é" * 200,
]


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_every_display_name_reads_back_as_one_address_with_that_name(name: str) -> None:
    wire = wire_bytes(
        message(
            sender_name=name,
            recipient_name=name,
            reply_to="owner@example.com",
            reply_to_name=name,
        )
    )
    mime = message_from_bytes(wire, policy=policy.default)
    assert b"\n" not in wire.replace(b"\r\n", b"")
    assert all(len(line) <= 998 for line in wire.split(b"\r\n"))
    for header, address in (
        ("From", "support@example.com"),
        ("To", "casey@example.com"),
        ("Reply-To", "owner@example.com"),
    ):
        [parsed] = mime[header].addresses
        assert (parsed.display_name, parsed.addr_spec) == (name, address)


def test_a_reply_to_without_a_name_is_the_bare_address() -> None:
    mime = message_from_bytes(wire_bytes(message(reply_to="owner@example.com")))
    assert mime["Reply-To"] == "owner@example.com"


def test_text_goes_7bit_when_it_can_and_quoted_printable_when_it_cannot() -> None:
    text = "Ligne \u00e9\r\ntrailing space \n.\n" + "a" * 1000 + "\n"
    wire = wire_bytes(message(text=text, html="<p>" + "x" * 1200 + "</p>"))
    assert all(len(line) <= 998 for line in wire.split(b"\r\n"))
    assert b"\n" not in wire.replace(b"\r\n", b"")
    mime = message_from_bytes(wire, policy=policy.default)
    assert isinstance(mime, EmailMessage)
    plain, html = mime.iter_parts()
    assert plain["Content-Transfer-Encoding"] == "quoted-printable"
    assert plain.get_content().replace("\r\n", "\n") == text.replace("\r\n", "\n")
    assert html.get_content() == "<p>" + "x" * 1200 + "</p>"
    short = message_from_bytes(wire_bytes(message(text="Hi\nthere\n")), policy=policy.default)
    assert short["Content-Transfer-Encoding"] == "7bit"
    assert short.get_content_type() == "text/plain"
    assert short.get_content() == "Hi\r\nthere\r\n"


def test_a_long_non_ascii_subject_is_folded_into_encoded_words() -> None:
    subject = "Réponse à votre demande " * 8
    wire = wire_bytes(message(subject=subject))
    head = wire.split(b"\r\n\r\n")[0]
    assert head.isascii() and all(len(line) <= 78 for line in head.split(b"\r\n"))
    assert message_from_bytes(wire, policy=policy.default)["Subject"] == subject


def test_the_mailbox_keeps_a_good_message_and_refuses_an_unwritable_address() -> None:
    kept: list[Message] = []
    channel = MailboxChannel(kept.append)
    with channel.batch() as sender:
        good = sender.send(message())
        bad = sender.send(message(recipient="no at sign"))
    assert good.ok and kept == [message()]
    assert not bad.ok and bad.permanent


def test_the_backoff_doubles_within_jitter_and_stops_at_the_limit() -> None:
    policy = RetryPolicy(max_attempts=5, base_seconds=60, max_seconds=300)
    lowest = [retry_delay(policy, n, rand=lambda: 0.0) for n in range(1, 6)]
    highest = [retry_delay(policy, n, rand=lambda: 0.999999) for n in range(1, 5)]
    assert lowest == [timedelta(seconds=s) for s in (30, 60, 120, 150)] + [None]
    assert [round(h.total_seconds()) for h in highest if h] == [60, 120, 240, 300]


def test_the_signature_is_the_one_standardwebhooks_computes() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    stamp = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    body = '{"type":"response.created"}'
    expected = Webhook(secret).sign("msg_1", stamp, body)
    assert sign(secret, "msg_1", int(stamp.timestamp()), body) == expected
