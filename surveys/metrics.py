"""KPI formulas. Every figure carries its n, a 95% interval and a low-sample flag.

"No data" is ``None``, never 0: a period with no responses has no CSAT, not a CSAT of 0%.
Proportions are percentages (0-100); NPS runs from -100 to 100. Each function takes plain
values (counts, durations, facts) and returns plain values, so the web layer, the API and the
CSV exports all show the same numbers.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from surveys.bucketing import DEFAULT_THRESHOLDS, Bucket, Thresholds, classify
from surveys.kinds import SurveyKind

#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054
#: Below this many observations a figure is shown but flagged as a low sample.
DEFAULT_MIN_N = 30
#: A repeat contact from the same customer within this time undoes a first-contact resolution.
DEFAULT_REPEAT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Estimate:
    """A figure with its sample size and 95% interval; ``value`` None means no data.

    ``low`` and ``high`` bound the interval (Wilson intervals are not symmetric);
    ``margin`` is half its width. Both are None when no interval can be computed. ``sd``,
    one observation's standard deviation (means and NPS), lets two periods be compared
    (``surveys.changes``).
    """

    value: float | None
    n: int
    low: float | None = None
    high: float | None = None
    min_n: int = DEFAULT_MIN_N
    sd: float | None = None

    @property
    def margin(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2

    @property
    def low_sample(self) -> bool:
        """True for a figure computed from fewer than ``min_n`` observations."""
        return self.value is not None and self.n < self.min_n

    @property
    def has_data(self) -> bool:
        return self.value is not None


def no_data(min_n: int = DEFAULT_MIN_N) -> Estimate:
    return Estimate(None, 0, min_n=min_n)


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion, as fractions in [0, 1].

    centre = (p + z²/2n) / (1 + z²/n); half-width = z·√(p(1-p)/n + z²/4n²) / (1 + z²/n),
    with p = successes / n. Unlike p ± z·√(p(1-p)/n) it stays inside [0, 1] and is not
    zero-width at p = 0 or 1.
    """
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # In exact arithmetic the interval holds p and ends at 1 when p is 1; in floating point
    # ``centre + half`` can fall an ulp short, so the bounds are pinned to p.
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def proportion(successes: int, n: int, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """Percentage = successes / n x 100, with the Wilson 95% interval."""
    if n == 0:
        return no_data(min_n)
    low, high = wilson_interval(successes, n)
    value = 100 * successes / n
    # ``100 * successes / n`` and ``100 * p`` may differ by an ulp: the interval holds the
    # figure as it is written.
    return Estimate(value, n, min(value, 100 * low), max(value, 100 * high), min_n)


def net_promoter_score(
    promoters: int, passives: int, detractors: int, min_n: int = DEFAULT_MIN_N
) -> Estimate:
    """NPS = % promoters - % detractors, from -100 to 100.

    With p = promoters/n and d = detractors/n from one multinomial sample,
    Var(p - d) = (p + d - (p - d)²) / n, so the 95% interval is
    100·((p - d) ± z·√Var), clipped to [-100, 100]. The variance is 0 when every answer is
    in one bucket, which is the standard formula's known limit at tiny n (hence the low-sample
    flag).
    """
    n = promoters + passives + detractors
    if n == 0:
        return no_data(min_n)
    p, d = promoters / n, detractors / n
    sd = math.sqrt(max(0.0, p + d - (p - d) ** 2))
    half = Z95 * sd / math.sqrt(n)
    return Estimate(
        100 * (p - d),
        n,
        max(-100.0, 100 * (p - d - half)),
        min(100.0, 100 * (p - d + half)),
        min_n,
        100 * sd,
    )


def mean_estimate(
    n: int,
    total: float,
    total_sq: float,
    min_n: int = DEFAULT_MIN_N,
    bounds: tuple[float, float] | None = None,
) -> Estimate:
    """Mean = total / n, with the normal 95% interval mean ± z·s/√n.

    s² = (Σx² - n·mean²) / (n - 1) is the sample variance, computed from the running sums so
    that rollups can supply them. One observation has no interval. ``bounds`` clips the
    interval to a scale (e.g. 1-7 for CES).
    """
    if n == 0:
        return no_data(min_n)
    mean = total / n
    if n == 1:
        return Estimate(mean, 1, min_n=min_n)
    variance = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    half = Z95 * math.sqrt(variance / n)
    low, high = mean - half, mean + half
    if bounds is not None:
        low, high = max(bounds[0], low), min(bounds[1], high)
    return Estimate(mean, n, low, high, min_n, math.sqrt(variance))


def mean_of(
    values: Sequence[float],
    min_n: int = DEFAULT_MIN_N,
    bounds: tuple[float, float] | None = None,
) -> Estimate:
    """Mean of ``values`` with its 95% interval (see ``mean_estimate``)."""
    return mean_estimate(len(values), sum(values), sum(v * v for v in values), min_n, bounds)


def duration_mean(seconds: Sequence[float], min_n: int = DEFAULT_MIN_N) -> Estimate:
    """Mean duration in seconds; its interval never goes below zero."""
    return mean_of(seconds, min_n, bounds=(0.0, math.inf))


def median_of(values: Sequence[float], min_n: int = DEFAULT_MIN_N) -> Estimate:
    """Median with a distribution-free 95% interval from order statistics.

    The interval runs from the j-th to the k-th smallest value, with
    j = ⌊n/2 - z·√n/2⌋ and k = ⌈n/2 + 1 + z·√n/2⌉ (1-based, clipped to 1..n): the normal
    approximation to the binomial ranks around the median. It needs no assumption about the
    shape of the distribution, which suits skewed durations.
    """
    n = len(values)
    if n == 0:
        return no_data(min_n)
    ordered = sorted(values)
    spread = Z95 * math.sqrt(n) / 2
    j = max(1, math.floor(n / 2 - spread))
    k = min(n, math.ceil(n / 2 + 1 + spread))
    return Estimate(statistics.median(ordered), n, ordered[j - 1], ordered[k - 1], min_n)


def change(current: Estimate, previous: Estimate) -> float | None:
    """Current value minus previous value, or None when either has no data."""
    if current.value is None or previous.value is None:
        return None
    return current.value - previous.value


# --- Survey scores -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """An additive summary of a set of scores: enough for every score KPI and its interval.

    ``top`` counts promoters (NPS) or satisfied / easy answers (CSAT, CES); ``middle`` counts
    NPS passives; ``bottom`` counts detractors or unsatisfied answers.
    """

    n: int = 0
    top: int = 0
    middle: int = 0
    bottom: int = 0
    total: int = 0
    total_sq: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.n + other.n,
            self.top + other.top,
            self.middle + other.middle,
            self.bottom + other.bottom,
            self.total + other.total,
            self.total_sq + other.total_sq,
        )


TOP = {Bucket.PROMOTER, Bucket.SATISFIED}
BOTTOM = {Bucket.DETRACTOR, Bucket.UNSATISFIED}


def tally(
    kind: SurveyKind, histogram: Mapping[int, int], thresholds: Thresholds | None = None
) -> Tally:
    """Summarise a score histogram (score -> count) of one survey, filed by its thresholds."""
    limits = thresholds or DEFAULT_THRESHOLDS[kind]
    n = top = middle = bottom = total = total_sq = 0
    for score, count in histogram.items():
        if not count:
            continue
        bucket = classify(kind, score, limits)
        n += count
        total += score * count
        total_sq += score * score * count
        if bucket in TOP:
            top += count
        elif bucket in BOTTOM:
            bottom += count
        else:
            middle += count
    return Tally(n, top, middle, bottom, total, total_sq)


def nps(t: Tally, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """NPS of a tally: see ``net_promoter_score``."""
    return net_promoter_score(t.top, t.middle, t.bottom, min_n)


def csat(t: Tally, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """CSAT % = satisfied answers (4-5 by default) / all CSAT answers x 100, Wilson interval."""
    return proportion(t.top, t.n, min_n)


def ces_mean(t: Tally, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """CES = mean score on the 1-7 scale, normal interval clipped to the scale."""
    return mean_estimate(t.n, t.total, t.total_sq, min_n, bounds=(1.0, 7.0))


def ces_easy(t: Tally, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """% easy = answers scoring 5-7 (by default) / all CES answers x 100, Wilson interval."""
    return proportion(t.top, t.n, min_n)


def response_rate(responded: int, sent: int, min_n: int = DEFAULT_MIN_N) -> Estimate:
    """Response rate = invitations sent that were answered / invitations sent x 100."""
    return proportion(responded, sent, min_n)


#: The headline figures of each kind, by name, in the order a dashboard shows them.
KIND_FIGURES = {
    SurveyKind.NPS: {"nps": nps},
    SurveyKind.CSAT: {"csat": csat},
    SurveyKind.CES: {"ces": ces_mean, "ces_easy": ces_easy},
}


def figures(kind: SurveyKind, t: Tally, min_n: int = DEFAULT_MIN_N) -> dict[str, Estimate]:
    """Every headline figure of ``kind`` for one tally, by name."""
    return {name: formula(t, min_n) for name, formula in KIND_FIGURES[kind].items()}


# --- Support interactions ------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """What first-contact resolution needs to know about one interaction."""

    customer: int
    opened_at: datetime
    resolved_at: datetime | None = None
    #: The helpdesk's own first-contact-resolution flag, when it sent one.
    helpdesk_flag: bool | None = None


def opened_by_customer(contacts: Iterable[Contact]) -> dict[int, list[datetime]]:
    """When each customer opened an interaction, for ``repeat_contact``."""
    opened: dict[int, list[datetime]] = defaultdict(list)
    for contact in contacts:
        opened[contact.customer].append(contact.opened_at)
    return opened


def repeat_contact(
    contact: Contact,
    opened: Mapping[int, Sequence[datetime]],
    window: timedelta = DEFAULT_REPEAT_WINDOW,
) -> datetime | None:
    """When the same customer first came back after ``contact`` opened and within ``window``
    after it was resolved; None when they did not (or it is not resolved)."""
    if contact.resolved_at is None:
        return None
    start, end = contact.opened_at, contact.resolved_at + window
    return min((at for at in opened.get(contact.customer, ()) if start < at <= end), default=None)


def resolved_at_first_contact(
    contact: Contact,
    opened: Mapping[int, Sequence[datetime]],
    window: timedelta = DEFAULT_REPEAT_WINDOW,
) -> bool:
    """The helpdesk's flag when it sent one, else: no repeat contact (see ``repeat_contact``)."""
    if contact.helpdesk_flag is not None:
        return contact.helpdesk_flag
    return repeat_contact(contact, opened, window) is None


def first_contact_resolution(
    resolved: Iterable[Contact],
    all_contacts: Iterable[Contact],
    window: timedelta = DEFAULT_REPEAT_WINDOW,
    min_n: int = DEFAULT_MIN_N,
) -> Estimate:
    """FCR % = resolved interactions with no repeat contact / resolved interactions x 100.

    An interaction counts as resolved at first contact when the helpdesk says so, or, when it
    sends no flag, when the same customer opened no other interaction within ``window`` after
    it was resolved. ``all_contacts`` must include the contacts that follow the period (up to
    ``window`` after it), or late repeats go unseen. Wilson interval.
    """
    opened = opened_by_customer(all_contacts)
    verdicts = [
        resolved_at_first_contact(contact, opened, window)
        for contact in resolved
        if contact.resolved_at is not None
    ]
    return proportion(sum(verdicts), len(verdicts), min_n)


def durations_seconds(
    pairs: Iterable[tuple[datetime | None, datetime | None]],
) -> list[float]:
    """Seconds from start to end of each pair that has both; negative spans are dropped.

    Helpdesk exports sometimes record a resolution before the first response; such a span is
    a data error, not a duration, so it is left out rather than averaged in.
    """
    spans = []
    for start, end in pairs:
        if start is not None and end is not None and end >= start:
            spans.append((end - start).total_seconds())
    return spans


# --- Follow-up cases -----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What the follow-up KPIs need to know about one case."""

    opened_at: datetime
    #: When the customer must have been contacted by.
    contact_due_at: datetime | None
    first_contact_at: datetime | None
    resolved_at: datetime | None
    #: The re-survey's verdict: True satisfied, False not, None not re-surveyed (yet).
    recovered: bool | None = None


def followup_figures(
    cases: Sequence[CaseFacts], now: datetime, min_n: int = DEFAULT_MIN_N
) -> dict[str, Estimate]:
    """The follow-up KPIs of ``cases`` as of ``now``.

    - ``contacted_in_time``: % of cases whose deadline has passed (or who were contacted)
      that were contacted by the deadline. Cases still inside their deadline and not yet
      contacted are left out: they can still make it.
    - ``time_to_first_contact`` and ``time_to_resolution``: medians in seconds from opening.
    - ``recovery_rate``: % of re-surveyed cases whose re-survey was satisfied.
    """
    judged = [
        c
        for c in cases
        if c.contact_due_at is not None
        and (c.first_contact_at is not None or c.contact_due_at <= now)
    ]
    in_time = sum(
        1
        for c in judged
        if c.first_contact_at is not None
        and c.contact_due_at is not None
        and c.first_contact_at <= c.contact_due_at
    )
    resurveyed = [c.recovered for c in cases if c.recovered is not None]
    return {
        "contacted_in_time": proportion(in_time, len(judged), min_n),
        "time_to_first_contact": median_of(
            durations_seconds((c.opened_at, c.first_contact_at) for c in cases), min_n
        ),
        "time_to_resolution": median_of(
            durations_seconds((c.opened_at, c.resolved_at) for c in cases), min_n
        ),
        "recovery_rate": proportion(sum(resurveyed), len(resurveyed), min_n),
    }
