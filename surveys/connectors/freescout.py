"""FreeScout: the API & Webhooks module posts the conversation on ``convo.status``.

The module is paid and closed, so its signing comes from integrations that quote its code:
``X-FreeScout-Signature``, base64 HMAC-SHA1 of the raw body, keyed with
``md5(APP_KEY . "webhook_key")``. Both the key as given and that md5 of it verify, so the
admin may paste either the APP_KEY or the derived secret; and as FreeScout's Help Scout
compatibility sends ``X-HelpScout-Signature``, that header is read too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from surveys.connectors.base import (
    Connector,
    Ignored,
    InteractionFacts,
    Unverified,
    base64_hmac,
    check_signature,
)
from surveys.connectors.help_scout import parse_conversation

SIGNATURES = ("x-freescout-signature", "x-helpscout-signature")
EVENTS = ("x-freescout-event", "x-helpscout-event")


def derived_secret(app_key: str) -> str:
    """The key FreeScout signs with, from the installation's ``APP_KEY`` taken literally."""
    return hashlib.md5((app_key + "webhook_key").encode()).hexdigest()


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    signature = next((headers[name].strip() for name in SIGNATURES if headers.get(name)), None)
    if not signature:
        raise Unverified(f"the {SIGNATURES[0]} header is missing")
    check_signature(
        signature,
        [base64_hmac(secret, body, "sha1"), base64_hmac(derived_secret(secret), body, "sha1")],
    )


def parse(payload: Any, headers: Mapping[str, str]) -> InteractionFacts | Ignored:
    event = next((headers[name] for name in EVENTS if headers.get(name)), None)
    return parse_conversation(payload, event, "customer.email")


CONNECTOR = Connector(
    type="freescout",
    label="FreeScout",
    verify=verify,
    parse=parse,
    issues_secret=True,
)
