"""What is kept of a forgotten customer: a keyed hash of their address, and nothing else."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from feedback_app.models.base import Base


class ForgottenAddress(Base):
    """An address whose customer was forgotten; invitations to it are suppressed."""

    __tablename__ = "forgotten_addresses"

    #: HMAC-SHA256 of the lower-cased address under a key derived from the secret key
    #: (``privacy.blocklist.address_hash``): it recognises the address when it comes back,
    #: yet a copy of the table alone cannot be turned back into addresses by guessing.
    address_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    forgotten_at: Mapped[datetime]
