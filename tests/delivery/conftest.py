"""Real components for the delivery tests, on 127.0.0.1 with ports the OS assigns, started
and stopped around each test: an SMTP server and a webhook receiver."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.delivery.sinks import SinkHandler, SmtpSink, WebhookReceiver
from tests.helpers import JsonHandler, http_server


@pytest.fixture
def smtp_handler() -> SinkHandler:
    return SinkHandler()


@pytest.fixture
def smtp_sink(smtp_handler: SinkHandler) -> Iterator[SmtpSink]:
    sink = SmtpSink(smtp_handler)
    sink.start()
    yield sink
    if sink.running:
        sink.stop()


@pytest.fixture
def smtp_config(app_config: dict[str, Any], smtp_sink: SmtpSink) -> dict[str, Any]:
    """The app's settings pointing its SMTP backend at the local sink."""
    app_config.update(
        MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_sink.port, SMTP_TIMEOUT=5
    )
    return app_config


@contextmanager
def serving(receiver: WebhookReceiver, tls: ssl.SSLContext | None = None) -> Iterator[None]:
    """Run ``receiver`` on 127.0.0.1 (over TLS with ``tls``) for the duration of the block."""

    class Handler(JsonHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.answer(dict(self.headers.items()), body)
            verified = receiver.deliveries[-1].event is not None
            reply = receiver.reply if verified else None
            payload = reply.body if reply else json.dumps({"status": status}).encode()
            headers = reply.headers if reply else {"Content-Type": "application/json"}
            self.send_response(reply.status if reply else status)
            for name, value in {**headers, "Content-Length": str(len(payload))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    with http_server(Handler, tls) as url:
        receiver.url = f"{url}/hooks"
        receiver.port = int(url.rsplit(":", 1)[1])
        yield


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    with serving(receiver):
        yield receiver
