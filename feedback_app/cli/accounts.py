"""Commands that manage API keys; staff accounts have theirs in ``users``."""

from __future__ import annotations

import click
import sqlalchemy as sa

from feedback_app.audit import service as audit
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import ApiKey
from surveys.tokens import hash_token, new_api_key


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


COMMANDS = [api_key]
