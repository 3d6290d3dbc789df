"""Staff accounts, their sessions, and API keys."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash

from feedback_app.models.base import Base, enum_column


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"


#: What each role may do, highest first: an admin can do all a manager can, and so on.
ROLE_RANK = {Role.AGENT: 1, Role.MANAGER: 2, Role.ADMIN: 3}


class ApiScope(enum.StrEnum):
    """What an API key may do; each API operation names the one it needs."""

    #: Writes an integration makes: interactions, people, unsubscribes, bounces, case changes.
    INGEST = "ingest"
    #: Every GET: responses, metrics, cases, unsubscribes.
    READ = "read"
    #: Everything, including what deletes or exports a customer's data.
    ADMIN = "admin"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased; an agent user sees the responses of interactions whose agent has this email.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Empty for an invited account until its owner sets it up.
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_set_up(self) -> bool:
        """False for an invited account whose owner has not chosen a password yet."""
        return bool(self.password_hash)

    def has_role(self, role: Role) -> bool:
        """True if this user's role is ``role`` or above it."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active


class StaffSession(Base):
    """One sign-in: the session cookie carries its random token, the server only its hash.

    A session the server has revoked (sign-out, a new password or role, a deactivated
    account) or that outlived its idle or absolute limit no longer signs anyone in, even
    with a cookie copied before.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token in the cookie.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    #: Moved at most once a minute, so staff pages do not write on every request.
    last_seen_at: Mapped[datetime]
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    #: The client's address as the app sees it (behind PROXY_HOPS proxies, the forwarded one).
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    revoked_at: Mapped[datetime | None]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The first characters of the key, shown in listings so keys can be told apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: SHA-256 of the whole key; the key itself is shown once and never stored.
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Space-separated ``ApiScope`` values, as OAuth 2 writes scopes: ``"ingest read"``.
    scopes: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime]
    #: Updated at most once a minute (see ``LAST_USED_STEP``), not on every request.
    last_used_at: Mapped[datetime | None]
    #: None for a key that never expires; from this instant on, the key is refused.
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def scope_set(self) -> frozenset[ApiScope]:
        return frozenset(ApiScope(name) for name in self.scopes.split())

    def allows(self, scope: ApiScope) -> bool:
        """True if the key has ``scope``; an admin key may do everything."""
        return bool({scope, ApiScope.ADMIN} & self.scope_set)
