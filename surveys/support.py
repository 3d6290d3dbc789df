"""Support KPI formulas over contacts (calls, chats, tickets), and the duration histograms
that let rollups give medians within a stated bound.

A contact is *answered* unless it was abandoned (a call hung up in the queue, a chat left
unanswered). Abandoned contacts count in the volume and the abandonment rate only; first
contact resolution, handle time, time to resolution and first response time are over the
answered contacts that have the measure. Durations are whole seconds.

The support figures are additive (``SupportTally``) so that per-day rollups can be summed
over any period and any breakdown, and every mean and proportion stays exact. Medians come
from ``Histogram``: counts per logarithmic bucket, each ``BUCKET_RATIO`` wide, whose middle
is within ``MEDIAN_BOUND`` of every value in it. Stored and merged histograms are
``DenseHistogram``: a year by agent adds up hundreds of them, as arrays rather than a
dictionary update per bucket.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import numpy as np

from surveys.metrics import (
    DEFAULT_MIN_N,
    Z95,
    Estimate,
    mean_estimate,
    median_of,
    no_data,
    proportion,
)

#: Each histogram bucket spans [r^i, r^(i+1)) seconds with r = BUCKET_RATIO.
BUCKET_RATIO = 1.02
#: A bucket's value is its geometric middle, r^(i + 1/2): within sqrt(r) - 1 (0.995%) of any
#: duration in the bucket, so every order statistic read from a histogram, and hence the
#: median and its interval, is within 1% of the exact one.
MEDIAN_BOUND = math.sqrt(BUCKET_RATIO) - 1
#: The bucket of a zero duration (an instant first response); its value is exactly 0.
ZERO_BUCKET = -1

_LOG_RATIO = math.log(BUCKET_RATIO)

Histogram = Mapping[int, int]


def bucket_of(seconds: int) -> int:
    """The histogram bucket of a whole, non-negative number of seconds."""
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds == 0:
        return ZERO_BUCKET
    index = math.floor(math.log(seconds) / _LOG_RATIO)
    # The logarithm can land a hair off at a bucket's edge: settle it with exact powers.
    while BUCKET_RATIO**index > seconds:
        index -= 1
    while BUCKET_RATIO ** (index + 1) <= seconds:
        index += 1
    return index


def bucket_value(bucket: int) -> float:
    """The value standing for every duration in ``bucket``: its geometric middle."""
    if bucket == ZERO_BUCKET:
        return 0.0
    return BUCKET_RATIO ** (bucket + 0.5)


def histogram_of(seconds: Iterable[int]) -> Counter[int]:
    return Counter(bucket_of(s) for s in seconds)


class DenseHistogram:
    """Counts of consecutive buckets from ``low`` up, as one array: histograms add up by
    array addition, and order statistics come from one cumulative sum."""

    __slots__ = ("counts", "low")

    #: Bytes of the stored form: ``low`` then each count, little-endian 32-bit integers.
    _DTYPE = np.dtype("<i4")

    def __init__(self, low: int = 0, counts: np.ndarray | None = None) -> None:
        self.low = low
        self.counts = np.zeros(0, np.int64) if counts is None else counts.astype(np.int64)

    @classmethod
    def of(cls, histogram: Mapping[int, int]) -> DenseHistogram:
        dense = cls()
        dense.add_counts(histogram)
        return dense

    def add_counts(self, histogram: Mapping[int, int]) -> None:
        """Add (or, with negative counts, take out) ``{bucket: count}``."""
        buckets = [b for b, count in histogram.items() if count]
        if buckets:
            self._cover(min(buckets), max(buckets))
            for bucket in buckets:
                self.counts[bucket - self.low] += histogram[bucket]

    def add(self, other: DenseHistogram) -> None:
        if len(other.counts):
            self._cover(other.low, other.low + len(other.counts) - 1)
            start = other.low - self.low
            self.counts[start : start + len(other.counts)] += other.counts

    def _cover(self, first: int, last: int) -> None:
        """Grow the array to hold the buckets ``first`` to ``last``."""
        if not len(self.counts):
            self.low, self.counts = first, np.zeros(last - first + 1, np.int64)
            return
        high = self.low + len(self.counts) - 1
        if first < self.low or last > high:
            low = min(first, self.low)
            grown = np.zeros(max(last, high) - low + 1, np.int64)
            grown[self.low - low : self.low - low + len(self.counts)] = self.counts
            self.low, self.counts = low, grown

    def as_dict(self) -> dict[int, int]:
        """``{bucket: count}`` of the buckets with a count."""
        return {self.low + int(i): int(self.counts[i]) for i in np.flatnonzero(self.counts)}

    def to_bytes(self) -> bytes:
        nonzero = np.flatnonzero(self.counts)
        if not len(nonzero):
            return np.array([0], self._DTYPE).tobytes()
        first, last = int(nonzero[0]), int(nonzero[-1])
        head = np.array([self.low + first], self._DTYPE).tobytes()
        return head + self.counts[first : last + 1].astype(self._DTYPE).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> DenseHistogram:
        values = np.frombuffer(data, cls._DTYPE)
        return cls(int(values[0]), values[1:])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DenseHistogram) and self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        return f"DenseHistogram({self.as_dict()})"


def median_ranks(n: int) -> tuple[int, int, int, int]:
    """The ranks (1-based) the median averages, and those bounding its 95% interval.

    The interval runs from the j-th to the k-th smallest value, j = floor(n/2 - z·√n/2) and
    k = ceil(n/2 + 1 + z·√n/2), clipped to 1..n: as ``surveys.metrics.median_of``.
    """
    spread = Z95 * math.sqrt(n) / 2
    lower, upper = (n + 1) // 2, n // 2 + 1
    return (
        lower,
        upper,
        max(1, math.floor(n / 2 - spread)),
        min(n, math.ceil(n / 2 + 1 + spread)),
    )


def histogram_median(histogram: Histogram | DenseHistogram, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """Median and its distribution-free 95% interval read from a duration histogram.

    Every order statistic is a bucket's value, within ``MEDIAN_BOUND`` of the exact one; so
    are the median (the mean of one or two of them) and the interval's ends.
    """
    dense = histogram if isinstance(histogram, DenseHistogram) else DenseHistogram.of(histogram)
    seen = np.cumsum(dense.counts)
    n = int(seen[-1]) if len(seen) else 0
    if n == 0:
        return no_data(min_n)
    lower, upper, j, k = median_ranks(n)
    # The bucket of the rank-th smallest duration: the first whose running count reaches it.
    at = [bucket_value(dense.low + int(i)) for i in np.searchsorted(seen, [lower, upper, j, k])]
    return Estimate((at[0] + at[1]) / 2, n, at[2], at[3], min_n)


# --- One contact ----------------------------------------------------------------------------


def whole_seconds(start: datetime | None, end: datetime | None) -> int | None:
    """Whole seconds from ``start`` to ``end`` (rounded), or None when either is missing or
    the end comes first: an export's resolution before its first response is a data error,
    not a duration."""
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds())


def handle_time(
    talk: int | None, hold: int | None, after_work: int | None, total: int | None
) -> int | None:
    """Handle time = talk + hold + after-call work, a missing part counting 0 once any part
    is known; the helpdesk's own total when it gives no part."""
    parts = (talk, hold, after_work)
    if all(part is None for part in parts):
        return total
    return sum(part or 0 for part in parts)


def first_response_time(
    opened_at: datetime | None, first_response_at: datetime | None, seconds: int | None
) -> int | None:
    """The helpdesk's first-response duration when it gives one, else first response minus
    opening."""
    return seconds if seconds is not None else whole_seconds(opened_at, first_response_at)


@dataclass(frozen=True)
class ContactMeasures:
    """What the support figures count of one contact (None: not counted in that figure)."""

    answered: bool = True
    #: Resolved at first contact; None when not judged (open, with no helpdesk flag).
    first_contact: bool | None = None
    talk: int | None = None
    hold: int | None = None
    after_work: int | None = None
    handle: int | None = None
    resolution: int | None = None
    first_response: int | None = None


@dataclass(frozen=True)
class SupportTally:
    """Additive sums of contacts: enough for every support figure but the medians.

    Each part of handle time (talk, hold, after-call work) has its own count: an export
    with talk time only has no hold time, rather than a hold time of zero. The ``*_sq``
    sums of squares give the means' intervals.
    """

    volume: int = 0
    abandoned: int = 0
    fcr_n: int = 0
    fcr_yes: int = 0
    handle_n: int = 0
    handle_sum: int = 0
    handle_sq: float = 0
    talk_n: int = 0
    talk_sum: int = 0
    talk_sq: float = 0
    hold_n: int = 0
    hold_sum: int = 0
    hold_sq: float = 0
    after_work_n: int = 0
    after_work_sum: int = 0
    after_work_sq: float = 0
    resolution_n: int = 0
    resolution_sum: int = 0
    resolution_sq: float = 0
    first_response_n: int = 0
    first_response_sum: int = 0
    first_response_sq: float = 0

    def __add__(self, other: SupportTally) -> SupportTally:
        return SupportTally(*(getattr(self, n) + getattr(other, n) for n in TALLY_COLUMNS))

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in TALLY_COLUMNS}

    def nonzero(self) -> dict[str, float]:
        """The sums that are not zero: what adding this tally changes."""
        return {name: value for name in TALLY_COLUMNS if (value := getattr(self, name))}


#: The tally's columns, in order: a rollup row stores one of each.
TALLY_COLUMNS = tuple(f.name for f in fields(SupportTally))


def _sums(prefix: str, seconds: int | None) -> dict[str, float]:
    if seconds is None:
        return {}
    return {f"{prefix}_n": 1, f"{prefix}_sum": seconds, f"{prefix}_sq": seconds * seconds}


def opening_tally(answered: bool) -> SupportTally:
    """What a contact adds on the day it opened: the volume and the abandonment rate."""
    return SupportTally(volume=1, abandoned=0 if answered else 1)


def closing_tally(measures: ContactMeasures) -> SupportTally:
    """What an answered contact adds on the day it is counted: FCR and the times."""
    if not measures.answered:
        return SupportTally()
    values: dict[str, float] = {}
    if measures.first_contact is not None:
        values |= {"fcr_n": 1, "fcr_yes": int(measures.first_contact)}
    for name in ("handle", "talk", "hold", "after_work", "resolution", "first_response"):
        values |= _sums(name, getattr(measures, name))
    return SupportTally(**values)  # type: ignore[arg-type]


# --- Figures -----------------------------------------------------------------------------


def _duration_mean(n: int, total: float, total_sq: float, min_n: int) -> Estimate:
    return mean_estimate(n, total, total_sq, min_n, bounds=(0.0, math.inf))


def volume_figure(count: int, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """Volume = contacts opened: a count, with no interval."""
    return Estimate(float(count), count, min_n=min_n)


def support_figures(
    tally: SupportTally,
    resolution: Histogram | DenseHistogram,
    first_response: Histogram | DenseHistogram,
    min_n: int = DEFAULT_MIN_N,
) -> dict[str, Estimate]:
    """Every support figure, by name:

    - ``volume``: contacts opened; ``abandonment``: abandoned / opened x 100 (Wilson).
    - ``fcr``: resolved at first contact / answered contacts judged x 100 (Wilson).
    - ``handle_time``: mean of talk + hold + after-call work over answered contacts with a
      handle time; ``talk_time``, ``hold_time``, ``after_work_time``: each part's mean over
      the answered contacts that have it.
    - ``resolution_median``/``_mean`` and ``first_response_median``/``_mean``: over the
      answered contacts with that duration; medians within ``MEDIAN_BOUND``.
    """
    t = tally
    return {
        "volume": volume_figure(t.volume, min_n),
        "abandonment": proportion(t.abandoned, t.volume, min_n),
        "fcr": proportion(t.fcr_yes, t.fcr_n, min_n),
        "handle_time": _duration_mean(t.handle_n, t.handle_sum, t.handle_sq, min_n),
        "talk_time": _duration_mean(t.talk_n, t.talk_sum, t.talk_sq, min_n),
        "hold_time": _duration_mean(t.hold_n, t.hold_sum, t.hold_sq, min_n),
        "after_work_time": _duration_mean(t.after_work_n, t.after_work_sum, t.after_work_sq, min_n),
        "resolution_median": histogram_median(resolution, min_n),
        "resolution_mean": _duration_mean(t.resolution_n, t.resolution_sum, t.resolution_sq, min_n),
        "first_response_median": histogram_median(first_response, min_n),
        "first_response_mean": _duration_mean(
            t.first_response_n, t.first_response_sum, t.first_response_sq, min_n
        ),
    }


def tally_of(contacts: Iterable[ContactMeasures]) -> SupportTally:
    """The tally of ``contacts`` (their opening and closing parts together)."""
    total = SupportTally()
    for contact in contacts:
        total += opening_tally(contact.answered) + closing_tally(contact)
    return total


def exact_support_figures(
    contacts: Sequence[ContactMeasures], min_n: int = DEFAULT_MIN_N
) -> dict[str, Estimate]:
    """``support_figures`` of ``contacts``, with exact medians: what the rollups must give."""
    answered = [c for c in contacts if c.answered]
    figures = support_figures(tally_of(contacts), {}, {}, min_n)
    figures["resolution_median"] = median_of(
        [float(c.resolution) for c in answered if c.resolution is not None], min_n
    )
    figures["first_response_median"] = median_of(
        [float(c.first_response) for c in answered if c.first_response is not None], min_n
    )
    return figures
