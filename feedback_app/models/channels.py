"""The channel labels in use and the admin's aliases for helpdesks' raw channel names."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base
from surveys.channels import MAX_LENGTH


class ChannelLabel(Base):
    """A label that interactions or responses carry; counted against ``MAX_LABELS``."""

    __tablename__ = "channel_labels"

    #: The label folded (``surveys.channels.fold``): two spellings are one label.
    key: Mapped[str] = mapped_column(sa.String(MAX_LENGTH), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(MAX_LENGTH), unique=True)
    created_at: Mapped[datetime]


class ChannelAlias(Base):
    """An admin's alias: a raw name (folded) counts as ``label``; overrides a default one."""

    __tablename__ = "channel_aliases"

    name: Mapped[str] = mapped_column(sa.String(MAX_LENGTH), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(MAX_LENGTH))
    updated_at: Mapped[datetime]
