"""When to try a failed delivery again: exponential backoff with jitter, as a pure function."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts allowed in all, and the first and the longest wait between two of them."""

    max_attempts: int = 8
    base_seconds: float = 60.0
    max_seconds: float = 6 * 3600.0


def retry_delay(
    policy: RetryPolicy, attempts: int, rand: Callable[[], float] = random.random
) -> timedelta | None:
    """The wait before the next attempt after ``attempts`` failed ones; None when used up.

    The ceiling doubles with each failure up to ``max_seconds``; the wait is drawn between
    half the ceiling and the ceiling ("equal jitter"), so senders that failed together do
    not all come back at the same moment, yet each still backs off.
    """
    if attempts >= policy.max_attempts:
        return None
    ceiling = min(policy.max_seconds, policy.base_seconds * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + rand() * ceiling / 2)
