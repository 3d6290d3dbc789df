"""When periodic work falls due: invitation reminders, the weekly digest and the KPI reviews."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

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


def review_week(now: datetime, weekday: int, hour: int) -> date:
    """The Monday of the latest complete week (Monday to Sunday) whose review is due at
    ``now``: due from ``hour`` on ``weekday`` (0 Monday to 6 Sunday) after it ends."""
    this_monday = (now - timedelta(days=now.weekday())).date()
    monday = this_monday - timedelta(days=7)
    if now < _at(this_monday + timedelta(days=weekday), hour, now):
        monday -= timedelta(days=7)
    return monday


def review_month(now: datetime, day: int, hour: int) -> date:
    """The first day of the latest complete month whose review is due at ``now``: due from
    ``hour`` on day ``day`` of the month after it."""
    first = now.date().replace(day=1)
    month = _month_before(first)
    if now < _at(first.replace(day=day), hour, now):
        month = _month_before(month)
    return month


def _month_before(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def _at(day: date, hour: int, now: datetime) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=now.tzinfo)
