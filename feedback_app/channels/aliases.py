"""The admins' side of the alias table: listing it with the defaults, setting and removing
an alias."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feedback_app.audit import service as audit
from feedback_app.channels.labels import Labeller, channel_book
from feedback_app.extensions import db
from feedback_app.models import ChannelAlias
from surveys.channels import DEFAULT_ALIASES, MAX_LENGTH, InvalidChannel, fold, tidy
from surveys.errors import DomainError


class InvalidAlias(DomainError):
    """An alias the page refuses, naming its field (``name`` or ``label``)."""


@dataclass(frozen=True)
class AliasLine:
    #: The raw name, folded as it is looked up.
    name: str
    label: str
    #: True for an admin's alias, False for a default one.
    own: bool
    #: The default label an admin's alias replaces, if any.
    replaces: str | None = None


def alias_lines() -> list[AliasLine]:
    """Every alias in force, the admins' over the defaults, by label then name."""
    own = channel_book().aliases
    lines = [AliasLine(name, label, True, DEFAULT_ALIASES.get(name)) for name, label in own.items()]
    lines += [
        AliasLine(name, label, False) for name, label in DEFAULT_ALIASES.items() if name not in own
    ]
    return sorted(lines, key=lambda line: (line.label.casefold(), line.name))


def set_alias(name: str, label: str, now: datetime) -> ChannelAlias:
    """Make raw name ``name`` count as ``label`` from now on (rows already stored keep their
    label); a new label counts against ``MAX_LABELS``. Flushes; the caller commits."""
    for field, value in (("name", name), ("label", label)):
        if not tidy(value):
            raise InvalidAlias("is required", field)
        if len(tidy(value)) > MAX_LENGTH:
            raise InvalidAlias(f"must be at most {MAX_LENGTH} characters", field)
    key = fold(name)
    try:
        final = Labeller(now, {key: tidy(label)})(name)
    except InvalidChannel as error:
        raise InvalidAlias(error.message, "label") from None
    alias = db.session.get(ChannelAlias, key)
    if alias is None:
        alias = ChannelAlias(name=key)
        db.session.add(alias)
    alias.label, alias.updated_at = final, now
    db.session.flush()
    audit.record("channel_alias.set", f"channel_alias:{key}", {"label": final})
    return alias


def remove_alias(name: str) -> bool:
    """Remove an admin's alias (a default one for the name applies again); False if none."""
    alias = db.session.get(ChannelAlias, fold(name))
    if alias is None:
        return False
    db.session.delete(alias)
    audit.record("channel_alias.removed", f"channel_alias:{alias.name}", {"label": alias.label})
    return True
