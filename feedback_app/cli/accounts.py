"""Commands that manage API keys; staff accounts have theirs in ``users``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa

from feedback_app.audit import service as audit
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import ApiKey, ApiScope
from feedback_app.services.api_keys import issue_api_key

#: ``--expires-in``: a number of days or hours.
DURATION_RE = re.compile(r"(?P<count>[0-9]{1,5})(?P<unit>[dh])")


@click.group("api-key")
def api_key() -> None:
    """Manage API keys for helpdesk integrations."""


def _expiry(expires: datetime | None, expires_in: str | None) -> datetime | None:
    """When a new key stops working: the start of the ``--expires`` day (UTC), or
    ``--expires-in`` (``90d``, ``12h``) from now; None for never."""
    if expires is not None and expires_in is not None:
        raise click.UsageError("give --expires or --expires-in, not both")
    now = utcnow()
    if expires is not None:
        at = expires.replace(tzinfo=UTC)
    elif expires_in is not None:
        match = DURATION_RE.fullmatch(expires_in.strip())
        if match is None or int(match["count"]) == 0:
            raise click.BadParameter(
                "write a number of days or hours such as 90d or 12h", param_hint="--expires-in"
            )
        unit = "days" if match["unit"] == "d" else "hours"
        at = now + timedelta(**{unit: int(match["count"])})
    else:
        return None
    if at <= now:
        raise click.BadParameter("the key would expire before it is made", param_hint="--expires")
    return at


@api_key.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    type=click.Choice([s.value for s in ApiScope]),
    multiple=True,
    required=True,
    help="What the key may do; repeat for several. admin may do everything.",
)
@click.option(
    "--expires",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Refuse the key from this day on (UTC), e.g. 2027-01-01.",
)
@click.option("--expires-in", help="Refuse the key after this long, e.g. 90d or 12h.")
def create_api_key(
    name: str, scopes: tuple[str, ...], expires: datetime | None, expires_in: str | None
) -> None:
    """Create a key and print it once; only its hash is kept."""
    expires_at = _expiry(expires, expires_in)
    key = issue_api_key(name, map(ApiScope, scopes), utcnow(), expires_at)
    granted = " ".join(sorted(set(scopes)))
    audit.record("api_key.created", f"api_key:{key[:10]}", {"name": name, "scopes": granted})
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
    """List keys: prefix, name, state, scopes, creation, expiry and last use (UTC)."""
    now = utcnow()
    for key in db.session.scalars(sa.select(ApiKey).order_by(ApiKey.id)):
        if key.revoked_at:
            state = "revoked"
        elif key.expires_at and key.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        expires = f"expires {key.expires_at:%Y-%m-%d %H:%M}" if key.expires_at else "no expiry"
        used = f"last used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never used"
        click.echo(
            f"{key.prefix}…\t{key.name}\t{state}\t{key.scopes}"
            f"\tcreated {key.created_at:%Y-%m-%d}\t{expires}\t{used}"
        )


COMMANDS = [api_key]
