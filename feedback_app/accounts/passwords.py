"""Checking a sign-in without telling which emails have an account."""

from __future__ import annotations

import secrets
from functools import cache

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from feedback_app.accounts.errors import AccountError
from feedback_app.extensions import db
from feedback_app.models import User

MIN_LENGTH = 8


class PasswordTooShort(AccountError):
    def __init__(self) -> None:
        super().__init__(f"the password must have at least {MIN_LENGTH} characters")


def hashed(password: str) -> str:
    """The hash to store for ``password``; refuses one that is too short."""
    if len(password) < MIN_LENGTH:
        raise PasswordTooShort
    return generate_password_hash(password)


@cache
def _dummy_hash() -> str:
    """A hash made as real ones are, so checking it costs what checking theirs does."""
    return generate_password_hash(secrets.token_urlsafe(16))


def find_user(email: str) -> User | None:
    """The user with this email (any case, spaces around ignored), active or not."""
    email = email.strip().lower()
    if "\x00" in email:  # PostgreSQL refuses NUL in text; no account has one
        return None
    return db.session.scalar(sa.select(User).where(User.email == email))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None.

    One password hash is checked in every case, a dummy one when there is no such active
    account (or it is invited and not set up yet), so neither the answer nor its time tells
    an unknown email from a wrong password.
    """
    user = find_user(email)
    if user is None or not user.active or not user.is_set_up:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None
