"""Webhooks signed as the Standard Webhooks specification says, posted with requests.

A receiver verifies a delivery with any implementation of the spec: the signature is
``v1,`` + base64 HMAC-SHA256 of ``webhook-id.webhook-timestamp.body`` under the secret.
Deliveries connect only to addresses checked at the moment of sending (see
``notifications.addresses``), and follow no redirect.
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

from notifications.addresses import CheckedAddressAdapter, RefusedAddress
from notifications.message import DeliveryResult

SECRET_PREFIX = "whsec_"
#: Characters of a receiver's reply kept for the delivery log.
REPLY_KEPT = 500
#: Bytes of a reply read at most: enough to count any reply a receiver means to send, and
#: a receiver that answers with gigabytes costs no more than this.
REPLY_READ_LIMIT = 64 * 1024
#: Characters of a redirect's Location quoted in the error.
LOCATION_KEPT = 200


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


def read_reply(answer: requests.Response) -> tuple[str, int]:
    """The start of a (streamed) reply as text, and its length in bytes.

    Reads at most ``REPLY_READ_LIMIT`` + 1 bytes; a longer reply's length is given as that.
    """
    data = bytearray()
    for chunk in answer.iter_content(8192):
        data += chunk
        if len(data) > REPLY_READ_LIMIT:
            break
    # Four bytes are the most any character takes in the encodings receivers use.
    start = bytes(data[: REPLY_KEPT * 4])
    try:
        text = start.decode(answer.encoding or "utf-8", errors="replace")
    except LookupError:
        text = start.decode("utf-8", errors="replace")
    return text[:REPLY_KEPT], min(len(data), REPLY_READ_LIMIT + 1)


class WebhookChannel:
    """Posts signed webhooks over one pooled HTTP session; use it as a context manager.

    ``clock`` stamps ``webhook-timestamp``: the moment the request leaves, by the wall clock,
    because receivers compare it with theirs to refuse replays.

    Only public addresses are connected to unless ``allow_private`` (see
    ``notifications.addresses``). Proxies from the environment are not used: a proxy would
    resolve the name itself, out of reach of that check. ``ca_file`` names the PEM file of
    the certificate authorities to trust instead of the system's (a receiver with a private
    CA); certificates are always verified.
    """

    def __init__(
        self,
        timeout: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        user_agent: str = "feedback-webhooks/1",
        *,
        allow_private: bool = False,
        ca_file: str = "",
    ) -> None:
        self._timeout = timeout
        self._clock = clock
        self._session = requests.Session()
        self._session.trust_env = False
        self._session.verify = ca_file or True
        self._session.headers["User-Agent"] = user_agent
        adapter = CheckedAddressAdapter(allow_private=allow_private)
        for scheme in ("http://", "https://"):
            self._session.mount(scheme, adapter)

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
        """Post once; any answer but a 2xx, a timeout or a network error is retried later.

        A refused address is final. A redirect is not followed: the signed body would go to a
        URL nobody registered, and the address it names would escape the check made before
        connecting; the receiver's final URL is what to register.
        """
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
                stream=True,
            )
        except RefusedAddress as error:
            return DeliveryResult.failed_permanently(f"refused: {error}")
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ) as error:
            return DeliveryResult.failed_permanently(f"bad URL: {error}")
        except requests.RequestException as error:
            return DeliveryResult.temporary(f"{type(error).__name__}: {error}")
        status = answer.status_code
        with answer:
            try:
                text, length = read_reply(answer)
            except requests.RequestException as error:
                return DeliveryResult.temporary(
                    f"the receiver answered {status}, then {type(error).__name__}: {error}", status
                )
        if 200 <= status < 300:
            return DeliveryResult.sent(status, text, length)
        error = f"the receiver answered {status}"
        if answer.is_redirect:
            location = answer.headers.get("Location", "")[:LOCATION_KEPT]
            error += f" (a redirect to {location}, not followed: register the final URL)"
        return DeliveryResult.temporary(error, status, text, length)
