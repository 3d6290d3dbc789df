"""Changes to a staff account; each change that affects what a session may do ends them all.

An invited account exists before it can be used: it has no password until its owner opens
the set-up link and chooses one (``set_up``), and no sign-in matches it until then.
"""

from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from feedback_app.accounts import emails, links, passwords, sessions
from feedback_app.accounts.errors import AccountError, InvalidEmail
from feedback_app.accounts.models import AccountLink, LinkPurpose
from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import Role, User

#: The longest name an account holds.
NAME_LENGTH = User.__table__.c.name.type.length


class LinkSpent(AccountError):
    def __init__(self) -> None:
        super().__init__("this link has already been used")


def new_email(email: str) -> str:
    """``email`` normalised for a new account; refuses one that is invalid or taken."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
    if passwords.find_user(email) is not None:
        raise AccountError(f"a user with email {email} already exists")
    return email


def _add(email: str, role: Role, name: str, password_hash: str, now: datetime) -> User:
    user = User(email=email, name=name, role=role, password_hash=password_hash, created_at=now)
    db.session.add(user)
    db.session.flush()
    return user


def create(email: str, role: Role, name: str, password: str, now: datetime) -> User:
    email = new_email(email)
    user = _add(email, role, name, passwords.hashed(password), now)
    audit.record("user.created", f"user:{user.id}", {"email": email, "role": role.value})
    db.session.commit()
    return user


def invite(email: str, role: Role, invited_by: str, now: datetime) -> User:
    """Add an account without a password and email its owner a set-up link; commits."""
    email = new_email(email)
    user = _add(email, role, "", "", now)
    emails.invitation(user, links.issue(user, LinkPurpose.SETUP, now), invited_by, now)
    audit.record("user.invited", f"user:{user.id}", {"email": email, "role": role.value})
    db.session.commit()
    return user


def resend_invitation(user: User, invited_by: str, now: datetime) -> None:
    """A new set-up link for an account not set up yet; the earlier ones stop working."""
    if user.is_set_up:
        raise AccountError(f"{user.email} has already set up their account")
    emails.invitation(user, links.issue(user, LinkPurpose.SETUP, now), invited_by, now)
    audit.record("user.invitation_resent", f"user:{user.id}")
    db.session.commit()


def _spend(link: AccountLink, now: datetime) -> User:
    if not links.use(link, now):
        raise LinkSpent
    user = db.session.get(User, link.user_id)
    assert user is not None
    return user


def set_up(link: AccountLink, name: str, password: str, now: datetime) -> User:
    """The invited user's name and first password, by their set-up link; commits."""
    password_hash = passwords.hashed(password)
    user = _spend(link, now)
    user.name = name.strip()
    _set_password(user, password_hash, now)
    audit.record("user.set_up", f"user:{user.id}")
    db.session.commit()
    return user


def _set_password(user: User, password_hash: str, now: datetime, keep: str | None = None) -> None:
    """Store the new hash; every session but ``keep``'s ends, and every open link."""
    user.password_hash = password_hash
    sessions.end_all(user, now, keep)
    links.revoke(user, now)


def change_password(user: User, password: str, now: datetime, *, keep: str | None = None) -> None:
    """A new password; every session ends but the one whose token is ``keep`` (the user's
    own, when they change it themselves)."""
    _set_password(user, passwords.hashed(password), now, keep)
    audit.record("user.password_changed", f"user:{user.id}")
    db.session.commit()


def reset_password(link: AccountLink, password: str, now: datetime) -> User:
    """A new password chosen by a reset link; every session ends; commits."""
    password_hash = passwords.hashed(password)  # a password too short leaves the link unspent
    user = _spend(link, now)
    _set_password(user, password_hash, now)
    audit.record("user.password_reset", f"user:{user.id}")
    db.session.commit()
    return user


def change_role(user: User, role: Role, now: datetime) -> None:
    if user.role is role:
        raise AccountError(f"{user.email} already has the role {role.value}")
    audit.record(
        "user.role_changed", f"user:{user.id}", {"from": user.role.value, "to": role.value}
    )
    user.role = role
    sessions.end_all(user, now)
    db.session.commit()


def deactivate(user: User, now: datetime) -> None:
    """The user can no longer sign in, and is signed out everywhere; their links stop."""
    user.active = False
    sessions.end_all(user, now)
    links.revoke(user, now)
    audit.record("user.deactivated", f"user:{user.id}")
    db.session.commit()


def activate(user: User) -> None:
    user.active = True
    audit.record("user.activated", f"user:{user.id}")
    db.session.commit()
