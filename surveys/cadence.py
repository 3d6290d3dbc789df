"""Periodic NPS: when an enrolled customer's invitations fall due."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta


def first_due(email: str, cadence_days: int, enrolled_at: datetime) -> datetime:
    """When a newly enrolled customer's first NPS falls due: spread over one cadence.

    The offset comes from a hash of the (lower-cased) email, so a big import is spread
    evenly over the cadence, and enrolling the same person again gives the same offset.
    """
    seconds = cadence_days * 86400
    digest = hashlib.sha256(email.strip().lower().encode()).digest()
    return enrolled_at + timedelta(seconds=int.from_bytes(digest[:8], "big") % seconds)


def due_and_next(next_at: datetime, cadence_days: int, now: datetime) -> tuple[datetime, datetime]:
    """For a customer due at ``next_at <= now``: the due time to invite for, and the next one.

    Both stay on the customer's own phase (``next_at`` plus whole cadences), so the spread of
    an import survives a late run, and a scheduler that was down for several cadences
    catches up with one invitation, not one per missed cadence.
    """
    cadence = timedelta(days=cadence_days)
    missed = (now - next_at) // cadence
    due = next_at + missed * cadence
    return due, due + cadence
