"""Staff sessions kept on the server, so that signing out or a changed account ends them.

Flask's session is a signed cookie: the server cannot end it, and a copy taken before
sign-out would keep working until the secret key changes. So the cookie also carries a
random token naming a row of ``staff_sessions``, stored only as its hash (as API keys and
survey tokens are), and the cookie signs someone in only while that row is live. Checking
the row is the one query the user loader made anyway (the session joined to its user), and
the row is written at most once a minute to move its last-seen time.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from feedback_app.extensions import db
from feedback_app.models import StaffSession, User
from surveys.tokens import hash_token

#: Last-seen times are this coarse: a staff page writes at most once a minute.
TOUCH_EVERY = timedelta(minutes=1)
_USER_AGENT_LENGTH = StaffSession.__table__.c.user_agent.type.length
_ADDRESS_LENGTH = StaffSession.__table__.c.address.type.length


def start(user: User, user_agent: str, address: str, now: datetime) -> str:
    """Open a session for ``user``; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        StaffSession(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            user_agent=user_agent[:_USER_AGENT_LENGTH],
            address=address[:_ADDRESS_LENGTH],
        )
    )
    db.session.commit()
    return token


def signed_in_user(token: str, now: datetime) -> User | None:
    """The active user whose live session ``token`` names, or None.

    A session is live until revoked, until it has gone unused for
    ``STAFF_SESSION_IDLE_MINUTES`` (give or take ``TOUCH_EVERY``), and for at most
    ``STAFF_SESSION_MAX_HOURS`` after sign-in. Its last-seen time moves only when this
    check opens the transaction (a staff page checks before anything else), so the commit
    never carries changes of the request's own.
    """
    may_write = not db.session().in_transaction()
    found = db.session.execute(
        sa.select(StaffSession, User)
        .join(User, User.id == StaffSession.user_id)
        .where(StaffSession.token_hash == hash_token(token))
    ).one_or_none()
    if found is None:
        return None
    staff_session, user = found
    idle, lifetime = _limits()
    if (
        staff_session.revoked_at is not None
        or not user.active
        or now - staff_session.last_seen_at >= idle
        or now - staff_session.created_at >= lifetime
    ):
        return None
    if may_write and now - staff_session.last_seen_at >= TOUCH_EVERY:
        staff_session.last_seen_at = now
        db.session.commit()
    return user


def _limits() -> tuple[timedelta, timedelta]:
    """The idle time and the lifetime after which a session no longer signs anyone in."""
    config = current_app.config
    return (
        timedelta(minutes=config["STAFF_SESSION_IDLE_MINUTES"]),
        timedelta(hours=config["STAFF_SESSION_MAX_HOURS"]),
    )


def purge_ended(now: datetime) -> int:
    """Delete the sessions that can never sign anyone in again; commits; returns how many.

    A revoked, idle or outlived row only keeps a hash nobody holds any more; who signed in
    and out, and when, is the audit log's to keep, for its own retention time.
    """
    idle, lifetime = _limits()
    deleted = db.session.execute(
        sa.delete(StaffSession).where(
            sa.or_(
                StaffSession.revoked_at.is_not(None),
                StaffSession.last_seen_at <= now - idle,
                StaffSession.created_at <= now - lifetime,
            )
        )
    ).rowcount
    db.session.commit()
    return deleted


def end(token: str, now: datetime) -> None:
    """Revoke the session ``token`` names (signing out)."""
    db.session.execute(
        sa.update(StaffSession)
        .where(StaffSession.token_hash == hash_token(token), StaffSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.commit()


def end_all(user: User, now: datetime, keep: str | None = None) -> None:
    """Revoke every session of ``user`` but the one ``keep`` names, in the caller's
    transaction."""
    statement = sa.update(StaffSession).where(
        StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(StaffSession.token_hash != hash_token(keep))
    db.session.execute(statement.values(revoked_at=now))
