"""The links an account is set up or reset by, and the reset requests waiting for the worker."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base, enum_column


class LinkPurpose(enum.StrEnum):
    #: Emailed to an invited user: they choose their name and password.
    SETUP = "setup"
    #: Emailed on "Forgot password?": they choose a new password.
    RESET = "reset"


class AccountLink(Base):
    """A single-use, expiring link emailed to a staff user; only its token's hash is kept."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose))
    #: SHA-256 of the token in the emailed link.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    #: When the link did its job; it opens nothing after.
    used_at: Mapped[datetime | None]
    #: When a newer link, a new password or a deactivation made it void unused.
    revoked_at: Mapped[datetime | None]


class PasswordResetRequest(Base):
    """An address typed on "Forgot password?", until the worker sends its link or drops it.

    The page only stores this row, whether or not an account has the address, so neither
    its answer nor its time tells which addresses have one.
    """

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: As typed, trimmed and lower-cased.
    email: Mapped[str] = mapped_column(sa.String(320))
    requested_at: Mapped[datetime]
