"""Customer retention over a period, and whether loyalty (the NPS bucket) goes with it.

A customer is a customer from ``customer_since`` up to ``churned_at``. Over a period of
instants ``[start, end)``:

- the customers at the start joined before it (``since < start``) and had not left
  (``churned_at`` none or ``>= start``);
- the customers at the end joined before ``end`` and had not left by then;
- the customers acquired in the period joined during it and are still customers at its end.
  One who joined and left inside the period is in neither the end nor the acquired count.

So ``at_end - acquired`` is exactly the number of the start's customers still there at the
end, and the guides' retention rate ``(at end - acquired) / at start x 100`` is a proportion,
with a Wilson interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from surveys.metrics import DEFAULT_MIN_N, Z95, Estimate, proportion, wilson_interval


@dataclass(frozen=True)
class Lifecycle:
    """When a customer became one, and when they left (None: still a customer)."""

    since: datetime
    churned_at: datetime | None = None

    def customer_at(self, moment: datetime) -> bool:
        """A customer at ``moment``: joined before it and had not left yet."""
        return self.since < moment and (self.churned_at is None or self.churned_at >= moment)


@dataclass(frozen=True)
class RetentionCounts:
    at_start: int = 0
    at_end: int = 0
    #: Acquired in the period and still customers at its end.
    acquired: int = 0
    #: Customers at the start who left during the period.
    churned: int = 0

    @property
    def retained(self) -> int:
        return self.at_end - self.acquired


def retention_counts(
    lifecycles: Iterable[Lifecycle], start: datetime, end: datetime
) -> RetentionCounts:
    """The counts of the period ``[start, end)`` (see the module's definitions)."""
    at_start = at_end = acquired = churned = 0
    for life in lifecycles:
        first, last = life.customer_at(start), life.customer_at(end)
        at_start += first
        at_end += last
        acquired += last and start <= life.since
        churned += first and not last
    return RetentionCounts(at_start, at_end, acquired, churned)


def retention_rate(
    at_start: int, at_end: int, acquired: int, min_n: int = DEFAULT_MIN_N
) -> Estimate:
    """Retention % = (customers at the end - customers acquired) / customers at the start x 100.

    ``at_end - acquired`` (the start's customers still there) must lie between 0 and
    ``at_start``; Wilson interval. No customers at the start is no data.
    """
    return proportion(at_end - acquired, at_start, min_n)


def count_figure(count: int) -> Estimate:
    """A count of customers: its value and n, with no interval; a count of everyone, not a
    sample, so never a low sample."""
    return Estimate(float(count), count, min_n=0)


def retention_figures(counts: RetentionCounts, min_n: int = DEFAULT_MIN_N) -> dict[str, Estimate]:
    """The retention rate and the counts behind it, by name."""
    return {
        "retention": retention_rate(counts.at_start, counts.at_end, counts.acquired, min_n),
        "customers_at_start": count_figure(counts.at_start),
        "customers_at_end": count_figure(counts.at_end),
        "acquired": count_figure(counts.acquired),
        "churned": count_figure(counts.churned),
    }


@dataclass(frozen=True)
class Difference:
    """A difference of two percentages, in points, with its 95% interval."""

    value: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        """The interval excludes zero: the two groups differ at 95%."""
        return self.low > 0 or self.high < 0


def difference_of_proportions(
    successes_a: int, n_a: int, successes_b: int, n_b: int, z: float = Z95
) -> Difference | None:
    """p_a - p_b in percentage points, with Newcombe's hybrid score interval; None when a
    group is empty.

    With Wilson intervals (l_a, u_a) and (l_b, u_b) of each proportion and d = p_a - p_b:
    low = d - √((p_a - l_a)² + (u_b - p_b)²), high = d + √((u_a - p_a)² + (p_b - l_b)²).
    Unlike d ± z·√(p_a(1-p_a)/n_a + p_b(1-p_b)/n_b) it is not zero-width when both groups
    are all or nothing, so two small groups that all stayed and all left are not called
    different with certainty.
    """
    if n_a <= 0 or n_b <= 0:
        return None
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = wilson_interval(successes_a, n_a, z)
    low_b, high_b = wilson_interval(successes_b, n_b, z)
    d = p_a - p_b
    low = d - ((p_a - low_a) ** 2 + (high_b - p_b) ** 2) ** 0.5
    high = d + ((high_a - p_a) ** 2 + (p_b - low_b) ** 2) ** 0.5
    return Difference(100 * d, 100 * low, 100 * high)
