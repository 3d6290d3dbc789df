"""Commands that create staff accounts and API keys."""

from __future__ import annotations

import secrets
import sys

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from feedback_app.audit import service as audit
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import ApiKey, Role, User
from surveys.tokens import hash_token, new_api_key


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a staff user; asks for the password on a terminal, else prints a generated one."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    if db.session.scalar(sa.select(User).where(User.email == email)) is not None:
        raise click.ClickException(f"a user with email {email} already exists")
    generated = False
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password, generated = secrets.token_urlsafe(12), True
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    user = User(email=email, name=name, role=Role(role), created_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", f"user:{user.id}", {"email": email, "role": role})
    db.session.commit()
    click.echo(f"created {role} {email}")
    if generated:
        click.echo(f"password: {password}")


@click.group("api-key")
def api_key() -> None:
    """Manage API keys for helpdesk integrations."""


@api_key.command("create")
@click.argument("name")
def create_api_key(name: str) -> None:
    """Create a key and print it once; only its hash is kept."""
    key = new_api_key()
    db.session.add(
        ApiKey(name=name, prefix=key[:10], key_hash=hash_token(key), created_at=utcnow())
    )
    audit.record("api_key.created", f"api_key:{key[:10]}", {"name": name})
    db.session.commit()
    click.echo(key)


@api_key.command("revoke")
@click.argument("prefix")
def revoke_api_key(prefix: str) -> None:
    """Revoke the key whose listing starts with PREFIX."""
    keys = db.session.scalars(
        sa.select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
    ).all()
    if len(keys) != 1:
        raise click.ClickException(f"{len(keys)} active keys have prefix {prefix!r}; expected one")
    keys[0].revoked_at = utcnow()
    audit.record("api_key.revoked", f"api_key:{prefix}", {"name": keys[0].name})
    db.session.commit()
    click.echo(f"revoked {keys[0].name}")


@api_key.command("list")
def list_api_keys() -> None:
    """List keys by prefix and name."""
    for key in db.session.scalars(sa.select(ApiKey).order_by(ApiKey.id)):
        state = "revoked" if key.revoked_at else "active"
        click.echo(f"{key.prefix}…\t{key.name}\t{state}\tcreated {key.created_at:%Y-%m-%d}")


COMMANDS = [create_user, api_key]
