"""Answer rules, signed embed identities, framing origins and accent contrast: no app needed."""

from __future__ import annotations

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
from surveys.identity import Identity, InvalidIdentity, sign_identity, verify_identity
from surveys.invitations import InvitationStatus as S

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


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


def test_a_signed_email_identifies_the_customer_case_insensitively() -> None:
    signature = sign_identity("s3cret", "Casey@Example.com")
    assert verify_identity("s3cret", "Casey@Example.com", signature) == Identity(
        email="casey@example.com"
    )
    assert verify_identity("s3cret", "Casey@Example.com", signature.upper()).email == (
        "casey@example.com"
    )


def test_a_signed_value_without_at_sign_is_an_external_id() -> None:
    signature = sign_identity("s3cret", "cust-42")
    assert verify_identity("s3cret", "cust-42", signature) == Identity(external_id="cust-42")


def test_the_signature_is_the_hex_hmac_sha256_a_host_computes() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"s3cret", b"cust-42", hashlib.sha256).hexdigest()
    assert sign_identity("s3cret", "cust-42") == expected


@pytest.mark.parametrize(
    ("value", "signature", "message"),
    [
        ("casey@example.com", sign_identity("other", "casey@example.com"), "does not match"),
        ("casey@example.com", sign_identity("s3cret", "casey@example.org"), "does not match"),
        ("casey@example.com", "", "does not match"),
        ("", sign_identity("s3cret", ""), "missing or too long"),
        ("not-an@email", sign_identity("s3cret", "not-an@email"), "not a valid email"),
    ],
)
def test_a_wrong_signature_or_malformed_identity_is_refused(
    value: str, signature: str, message: str
) -> None:
    with pytest.raises(InvalidIdentity, match=message):
        verify_identity("s3cret", value, signature)


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
