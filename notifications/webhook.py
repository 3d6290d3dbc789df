"""Webhooks signed as the Standard Webhooks specification says, posted with requests.

A receiver verifies a delivery with any implementation of the spec: the signature is
``v1,`` + base64 HMAC-SHA256 of ``webhook-id.webhook-timestamp.body`` under the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType

import requests

from notifications.message import DeliveryResult

SECRET_PREFIX = "whsec_"
RESPONSE_KEPT = 2000


def new_secret() -> str:
    """A fresh signing secret in the spec's ``whsec_`` + base64 form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header value for one delivery."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    #: The same on every attempt, so a receiver can drop a duplicate.
    webhook_id: str
    #: The JSON text exactly as signed and sent.
    body: str
    secret: str


class WebhookChannel:
    """Posts signed webhooks over one pooled HTTP session; use it as a context manager.

    ``clock`` stamps ``webhook-timestamp``: the moment the request leaves, by the wall clock,
    because receivers compare it with theirs to refuse replays.
    """

    def __init__(
        self,
        timeout: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        user_agent: str = "feedback-webhooks/1",
    ) -> None:
        self._timeout = timeout
        self._clock = clock
        self._session = requests.Session()
        self._session.headers["User-Agent"] = user_agent

    def __enter__(self) -> WebhookChannel:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._session.close()

    def send(self, request: WebhookRequest) -> DeliveryResult:
        """Post once; any answer but a 2xx, a timeout or a network error is retried later."""
        timestamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": request.webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(request.secret, request.webhook_id, timestamp, request.body),
        }
        try:
            answer = self._session.post(
                request.url,
                data=request.body.encode(),
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            )
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ) as error:
            return DeliveryResult.failed_permanently(f"bad URL: {error}")
        except requests.RequestException as error:
            return DeliveryResult.temporary(f"{type(error).__name__}: {error}")
        with answer:
            text = answer.text[:RESPONSE_KEPT]
        if 200 <= answer.status_code < 300:
            return DeliveryResult.sent(answer.status_code, text)
        return DeliveryResult.temporary(
            f"the receiver answered {answer.status_code}", answer.status_code, text
        )
