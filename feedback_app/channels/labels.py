"""Naming an arriving channel: the alias table and the labels in use, read from the database;
a new label is stored as it is first used, up to ``MAX_LABELS``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import ChannelAlias, ChannelLabel
from surveys.channels import MAX_LABELS, ChannelBook, TooManyChannels, fold

#: The aliases and the labels in one query, built once: every interaction posted runs it.
_BOTH = sa.union_all(
    sa.select(ChannelAlias.name, ChannelAlias.label, sa.true().label("alias")),
    sa.select(ChannelLabel.key, ChannelLabel.label, sa.false()),
)


def channel_book() -> ChannelBook:
    """The admins' aliases and the labels in use, as stored now."""
    aliases: dict[str, str] = {}
    labels: dict[str, str] = {}
    for name, label, alias in db.session.execute(_BOTH):
        (aliases if alias else labels)[name] = label
    return ChannelBook(aliases=aliases, labels=labels)


def labels_in_use() -> list[str]:
    """Every label, alphabetically: what the dashboard's channel filters offer."""
    return sorted(channel_book().labels.values(), key=str.casefold)


def known_label(name: str) -> str | None:
    """The stored label ``name`` folds to, or None: a filter names a label, not an alias."""
    row = db.session.get(ChannelLabel, fold(name))
    return row.label if row else None


class Labeller:
    """Names the channels of one transaction: each raw name's label, a new label added
    (flushed) on first use, so an import of many rows reads the tables once."""

    def __init__(self, now: datetime, renames: Mapping[str, str] | None = None) -> None:
        self.now = now
        #: ``--channel-map``: folded raw name → the label to give it, no alias applied.
        self.renames = dict(renames or {})
        self.book = channel_book()

    def __call__(self, raw: str | None) -> str:
        """The label of ``raw``; InvalidChannel for a name too long, TooManyChannels for a
        new label past ``MAX_LABELS``."""
        renamed = self.renames.get(fold(raw)) if raw else None
        label = self.book.label(renamed or raw, renamed=renamed is not None)
        if self.book.is_new(label):
            if len(self.book.labels) >= MAX_LABELS:
                raise TooManyChannels(raw or label)
            db.session.add(ChannelLabel(key=fold(label), label=label, created_at=self.now))
            db.session.flush()
            self.book = replace(self.book, labels={**self.book.labels, fold(label): label})
        return label
