"""When periodic work falls due: invitation reminders and the weekly digest."""

from __future__ import annotations

from datetime import datetime, time, timedelta

#: The digest of a week (Monday to Monday, UTC) goes out from this hour on the next Monday.
DIGEST_HOUR = 8


def reminder_cutoff(reminder_days: int, now: datetime) -> datetime:
    """Invitations sent at or before this instant are due their one reminder."""
    return now - timedelta(days=reminder_days)


def digest_week(now: datetime) -> tuple[datetime, datetime]:
    """The latest complete week (start, end) whose digest is due at ``now``.

    The week ending this Monday is due from ``DIGEST_HOUR`` on Monday; before that hour the
    previous week is still the latest one due, so a worker started late catches up.
    """
    monday = datetime.combine(
        (now - timedelta(days=now.weekday())).date(), time(), tzinfo=now.tzinfo
    )
    if now < monday + timedelta(hours=DIGEST_HOUR):
        monday -= timedelta(days=7)
    return monday - timedelta(days=7), monday
