"""Answer rules, signed embed identities, framing origins and accent contrast: no app needed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from feedback_app.branding import accent_colors
from feedback_app.web.security_headers import frame_ancestors
from surveys.answers import (
    MAX_COMMENT_LENGTH,
    InvalidComment,
    can_edit,
    clean_comment,
    edit_deadline,
    is_expired,
)
from surveys.identity import (
    CLOCK_SKEW,
    Identity,
    IdentityProblem,
    InvalidIdentity,
    sign_identity,
    verify_identity,
)
from surveys.invitations import InvitationStatus as S

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def hmac_of(text: str) -> str:
    return hmac.new(b"s3cret", text.encode(), hashlib.sha256).hexdigest()


def test_comment_is_trimmed_and_an_overlong_one_refused_not_cut() -> None:
    assert clean_comment("  slow reply \n") == "slow reply"
    assert clean_comment(None) == ""
    assert clean_comment("x" * MAX_COMMENT_LENGTH) == "x" * MAX_COMMENT_LENGTH
    with pytest.raises(InvalidComment, match="at most 5000 characters"):
        clean_comment("x" * (MAX_COMMENT_LENGTH + 1))


@pytest.mark.parametrize(
    ("status", "expires_in", "expired"),
    [
        (S.SENT, timedelta(seconds=1), False),
        (S.SENT, timedelta(0), True),
        (S.OPENED, timedelta(seconds=-1), True),
        (S.SCHEDULED, timedelta(days=-1), True),
        (S.EXPIRED, timedelta(days=30), True),
        (S.RESPONDED, timedelta(days=-1), False),
    ],
)
def test_an_invitation_expires_by_status_or_date(
    status: S, expires_in: timedelta, expired: bool
) -> None:
    assert is_expired(status, NOW + expires_in, NOW) is expired


def test_an_answer_can_be_edited_until_the_window_closes() -> None:
    assert edit_deadline(NOW, WEEK) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    assert can_edit(NOW, NOW + WEEK - timedelta(seconds=1), WEEK)
    assert not can_edit(NOW, NOW + WEEK, WEEK)


ISSUED = str(int(NOW.timestamp()))
DAY = timedelta(hours=24)


def verify(value: str, signature: str, issued_at: str = ISSUED, now: datetime = NOW) -> Identity:
    return verify_identity("s3cret", value, signature, issued_at, now=now, max_age=DAY)


def test_a_signed_email_identifies_the_customer_case_insensitively() -> None:
    signature = sign_identity("s3cret", "Casey@Example.com", ISSUED)
    assert verify("Casey@Example.com", signature) == Identity(email="casey@example.com")
    assert verify("Casey@Example.com", signature.upper()).email == "casey@example.com"


def test_a_signed_value_without_at_sign_is_an_external_id() -> None:
    signature = sign_identity("s3cret", "cust-42", ISSUED)
    assert verify("cust-42", signature) == Identity(external_id="cust-42")


def test_the_signature_is_the_hex_hmac_sha256_of_customer_and_time_a_host_computes() -> None:
    expected = hmac.new(b"s3cret", b"cust-42|1772442000", hashlib.sha256).hexdigest()
    assert sign_identity("s3cret", "cust-42", 1772442000) == expected
    assert ISSUED == "1772442000"


@pytest.mark.parametrize(
    ("value", "signature", "issued_at", "problem"),
    [
        ("casey@example.com", sign_identity("other", "casey@example.com", ISSUED), ISSUED,
         IdentityProblem.BAD_SIGNATURE),
        ("casey@example.com", sign_identity("s3cret", "casey@example.org", ISSUED), ISSUED,
         IdentityProblem.BAD_SIGNATURE),
        ("casey@example.com", "", ISSUED, IdentityProblem.BAD_SIGNATURE),
        # A signature of the customer alone, as hosts made them before issue times.
        ("casey@example.com", hmac_of("casey@example.com"), "", IdentityProblem.NO_ISSUE_TIME),
        # The time is signed: moving it on breaks the signature.
        ("casey@example.com", sign_identity("s3cret", "casey@example.com", ISSUED),
         str(int(ISSUED) + 3600), IdentityProblem.BAD_SIGNATURE),
        ("casey@example.com", sign_identity("s3cret", "casey@example.com", "1.5e9"), "1.5e9",
         IdentityProblem.MALFORMED),
        ("casey@example.com", sign_identity("s3cret", "casey@example.com", "١٧٧٢"), "١٧٧٢",
         IdentityProblem.MALFORMED),
        ("", sign_identity("s3cret", "", ISSUED), ISSUED, IdentityProblem.MALFORMED),
        ("not-an@email", sign_identity("s3cret", "not-an@email", ISSUED), ISSUED,
         IdentityProblem.MALFORMED),
    ],
)  # fmt: skip
def test_a_wrong_undated_or_malformed_identity_is_refused(
    value: str, signature: str, issued_at: str, problem: IdentityProblem
) -> None:
    with pytest.raises(InvalidIdentity) as refused:
        verify(value, signature, issued_at)
    assert refused.value.problem is problem


@pytest.mark.parametrize(
    ("signed_before_now", "problem"),
    [
        (DAY, None),
        (DAY + timedelta(seconds=1), IdentityProblem.EXPIRED),
        (-CLOCK_SKEW, None),
        (-CLOCK_SKEW - timedelta(seconds=1), IdentityProblem.FROM_THE_FUTURE),
    ],
)
def test_a_signature_is_good_for_its_age_and_a_host_clock_a_little_ahead(
    signed_before_now: timedelta, problem: IdentityProblem | None
) -> None:
    issued_at = str(int((NOW - signed_before_now).timestamp()))
    signature = sign_identity("s3cret", "cust-42", issued_at)
    if problem is None:
        assert verify("cust-42", signature, issued_at) == Identity(external_id="cust-42")
        return
    with pytest.raises(InvalidIdentity) as refused:
        verify("cust-42", signature, issued_at)
    assert refused.value.problem is problem


def test_only_well_formed_origins_may_frame_the_embed() -> None:
    raw = (
        "https://help.example.com/ http://127.0.0.1:5001 https://*.example.org "
        "javascript:alert(1) https://evil.example;script-src * 'self'"
    )
    assert frame_ancestors(raw) == [
        "https://help.example.com",
        "http://127.0.0.1:5001",
        "https://*.example.org",
    ]
    assert frame_ancestors("") == []


@pytest.mark.parametrize(
    ("accent", "expected"),
    [
        ("#1f5fbf", ("#1f5fbf", "#ffffff")),
        ("#ffd700", ("#ffd700", "#000000")),
        ("#777777", ("#777777", "#000000")),
        ("red; background: url(x)", ("#1f5fbf", "#ffffff")),
        ("", ("#1f5fbf", "#ffffff")),
    ],
)
def test_button_text_is_readable_on_the_accent(accent: str, expected: tuple[str, str]) -> None:
    assert accent_colors(accent) == expected
