"""Signed customer identities for embedded surveys.

The host site's back end signs the customer's email or id, with the time it signs it, under
the survey's ``embed_secret``: the hex HMAC-SHA256 of ``"customer|issued_at"``, ``issued_at``
in Unix seconds. The widget passes the three on, and we tie the answer to that customer only
if the signature matches and is recent. The time is what keeps a signed identity copied from
a page (or a log) from answering as that customer for ever; the secret never reaches a
browser.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.errors import DomainError

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_IDENTITY_LENGTH = 320
#: Unix seconds, as the host's clock writes them: ASCII digits only, no sign.
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")
#: How far ahead of our clock a host's clock may run before its signatures are refused.
CLOCK_SKEW = timedelta(minutes=5)


class IdentityProblem(enum.StrEnum):
    """What is wrong with a signed identity, so a page can tell the host's developer."""

    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    NO_ISSUE_TIME = "no_issue_time"
    EXPIRED = "expired"
    FROM_THE_FUTURE = "from_the_future"


class InvalidIdentity(DomainError):
    """A customer identity that is unsigned, wrongly signed, undated, too old or malformed."""

    def __init__(self, message: str, problem: IdentityProblem) -> None:
        super().__init__(message, field="customer")
        self.problem = problem


@dataclass(frozen=True)
class Identity:
    """Who answers: an email address, or the customer's id in the host's own system."""

    email: str | None = None
    external_id: str | None = None


def signed_text(value: str, issued_at: int | str) -> str:
    """The text a host signs: the customer, a ``|``, and the issue time in Unix seconds."""
    return f"{value}|{issued_at}"


def sign_identity(secret: str, value: str, issued_at: int | str) -> str:
    """Return the hex HMAC-SHA256 of ``value|issued_at`` under ``secret``, as a host makes it."""
    return hmac.new(
        secret.encode(), signed_text(value, issued_at).encode(), hashlib.sha256
    ).hexdigest()


def verify_identity(
    secret: str,
    value: str,
    signature: str,
    issued_at: str,
    *,
    now: datetime,
    max_age: timedelta,
) -> Identity:
    """Return the identity ``value`` names if ``signature`` signs it recently enough, else raise.

    The signature must cover ``value|issued_at``, and ``issued_at`` lie within ``max_age``
    before ``now`` (a host clock a little ahead of ours is forgiven, ``CLOCK_SKEW``). The
    comparison is constant-time so a forger learns nothing from response timing. A value
    containing ``@`` is an email address (matched case-insensitively); anything else is the
    customer's ``external_id``.
    """
    if not value or len(value) > MAX_IDENTITY_LENGTH:
        raise InvalidIdentity(
            "the customer identity is missing or too long", IdentityProblem.MALFORMED
        )
    if not issued_at:
        raise InvalidIdentity(
            "the customer identity has no issue time (issued_at)", IdentityProblem.NO_ISSUE_TIME
        )
    if not _UNIX_SECONDS.fullmatch(issued_at):
        raise InvalidIdentity(
            "the issue time (issued_at) must be whole Unix seconds", IdentityProblem.MALFORMED
        )
    expected = sign_identity(secret, value, issued_at)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise InvalidIdentity(
            "the customer identity's signature does not match", IdentityProblem.BAD_SIGNATURE
        )
    age = now.timestamp() - int(issued_at)
    if age > max_age.total_seconds():
        raise InvalidIdentity(
            "the customer identity was signed too long ago", IdentityProblem.EXPIRED
        )
    if -age > CLOCK_SKEW.total_seconds():
        raise InvalidIdentity(
            "the customer identity was signed in the future", IdentityProblem.FROM_THE_FUTURE
        )
    if "@" not in value:
        return Identity(external_id=value)
    email = value.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise InvalidIdentity(
            "the customer identity is not a valid email address", IdentityProblem.MALFORMED
        )
    return Identity(email=email)
