"""Changes to a staff account; each change that affects what a session may do ends them all."""

from __future__ import annotations

from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from feedback_app.accounts import passwords, sessions
from feedback_app.accounts.errors import AccountError, InvalidEmail
from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import Role, User


def new_email(email: str) -> str:
    """``email`` normalised for a new account; refuses one that is invalid or taken."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
    if passwords.find_user(email) is not None:
        raise AccountError(f"a user with email {email} already exists")
    return email


def create(email: str, role: Role, name: str, password: str, now: datetime) -> User:
    email = new_email(email)
    user = User(
        email=email, name=name, role=role, password_hash=passwords.hashed(password), created_at=now
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", f"user:{user.id}", {"email": email, "role": role.value})
    db.session.commit()
    return user


def change_password(user: User, password: str, now: datetime) -> None:
    user.password_hash = passwords.hashed(password)
    sessions.end_all(user, now)
    audit.record("user.password_changed", f"user:{user.id}")
    db.session.commit()


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
    """The user can no longer sign in, and is signed out everywhere."""
    user.active = False
    sessions.end_all(user, now)
    audit.record("user.deactivated", f"user:{user.id}")
    db.session.commit()


def activate(user: User) -> None:
    user.active = True
    audit.record("user.activated", f"user:{user.id}")
    db.session.commit()
