"""Set-up and reset links: a random token in the email, its hash in ``account_links``.

A link opens its page until it expires, is used, or is made void (a newer link of the same
kind, a new password, a deactivated account). The token is random rather than derived, as
a session's is: the email carrying it is rendered once, when the link is made.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from feedback_app.accounts.models import AccountLink, LinkPurpose
from feedback_app.extensions import db
from feedback_app.models import User
from surveys.tokens import hash_token

#: The setting that says how many hours each kind of link lasts.
LIFETIME_SETTINGS = {
    LinkPurpose.SETUP: "ACCOUNT_SETUP_LINK_HOURS",
    LinkPurpose.RESET: "PASSWORD_RESET_LINK_HOURS",
}


class Refusal(enum.StrEnum):
    """Why a link opens nothing."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Issued:
    token: str
    expires_at: datetime


def lifetime(purpose: LinkPurpose) -> timedelta:
    return timedelta(hours=int(current_app.config[LIFETIME_SETTINGS[purpose]]))


def issue(user: User, purpose: LinkPurpose, now: datetime) -> Issued:
    """A new link for ``user``, voiding their earlier ones of the same kind; flushes only."""
    revoke(user, now, purpose)
    token = secrets.token_urlsafe(32)
    expires_at = now + lifetime(purpose)
    db.session.add(
        AccountLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=expires_at,
        )
    )
    db.session.flush()
    return Issued(token, expires_at)


def revoke(user: User, now: datetime, purpose: LinkPurpose | None = None) -> None:
    """Void ``user``'s open links (of ``purpose`` only, if given), in the caller's transaction."""
    statement = sa.update(AccountLink).where(
        AccountLink.user_id == user.id,
        AccountLink.used_at.is_(None),
        AccountLink.revoked_at.is_(None),
    )
    if purpose is not None:
        statement = statement.where(AccountLink.purpose == purpose)
    db.session.execute(statement.values(revoked_at=now))


def open_link(token: str, purpose: LinkPurpose, now: datetime) -> AccountLink | Refusal:
    """The live link ``token`` names, or why it opens nothing.

    A link of the other kind, or of an account since deactivated, is unknown here.
    """
    link = db.session.scalar(
        sa.select(AccountLink).where(
            AccountLink.token_hash == hash_token(token), AccountLink.purpose == purpose
        )
    )
    user = db.session.get(User, link.user_id) if link is not None else None
    if link is None or user is None or not user.active:
        return Refusal.UNKNOWN
    if link.used_at is not None:
        return Refusal.USED
    if link.revoked_at is not None:
        return Refusal.REVOKED
    if now >= link.expires_at:
        return Refusal.EXPIRED
    return link


def use(link: AccountLink, now: datetime) -> bool:
    """Spend ``link`` in the caller's transaction; False if another request spent it first.

    One conditional UPDATE, so of two requests racing with the same link only one wins.
    """
    spent = db.session.execute(
        sa.update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return spent == 1
