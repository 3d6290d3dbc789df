"""Signed customer identities for embedded surveys.

The host site's back end signs the customer's email or id with the survey's ``embed_secret``
(HMAC-SHA256, hex); the widget passes value and signature on, and we tie the answer to that
customer only if the signature matches. The secret never reaches a browser.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from surveys.errors import DomainError

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_IDENTITY_LENGTH = 320


class InvalidIdentity(DomainError):
    """A customer identity that is unsigned, wrongly signed or malformed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="customer")


@dataclass(frozen=True)
class Identity:
    """Who answers: an email address, or the customer's id in the host's own system."""

    email: str | None = None
    external_id: str | None = None


def sign_identity(secret: str, value: str) -> str:
    """Return the hex HMAC-SHA256 of ``value`` under ``secret``, as a host back end makes it."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def verify_identity(secret: str, value: str, signature: str) -> Identity:
    """Return the identity ``value`` names if ``signature`` signs it, else raise.

    The comparison is constant-time so a forger learns nothing from response timing. A value
    containing ``@`` is an email address (matched case-insensitively); anything else is the
    customer's ``external_id``.
    """
    if not value or len(value) > MAX_IDENTITY_LENGTH:
        raise InvalidIdentity("the customer identity is missing or too long")
    expected = sign_identity(secret, value)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise InvalidIdentity("the customer identity's signature does not match")
    if "@" not in value:
        return Identity(external_id=value)
    email = value.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise InvalidIdentity("the customer identity is not a valid email address")
    return Identity(email=email)
