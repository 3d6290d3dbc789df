"""Whether a figure's change against the previous period is more than noise.

A change is *significant* only when the 95% interval of the difference (this period minus
the previous one) excludes zero. The interval depends on what the figure is:

- a proportion (CSAT, % easy, FCR, abandonment, response rate, retention…): Newcombe's
  hybrid score interval of the difference of two proportions
  (``surveys.retention.difference_of_proportions``);
- NPS: d ± z·√(Var_a/n_a + Var_b/n_b), with each period's per-answer variance
  Var = 100²·(p + d - (p - d)²) (p, d: the shares of promoters and detractors);
- a mean (CES, handle time and its parts, mean resolution and first response times):
  Welch's interval d ± t·√(s_a²/n_a + s_b²/n_b), t with the Welch-Satterthwaite degrees of
  freedom rounded down (which widens the interval, never narrows it).

Counts of everything (volume, customers, utilization's time) are not samples, and medians
have no difference test here: their change is shown with no verdict (None).
"""

from __future__ import annotations

import enum
import math
from statistics import NormalDist

from surveys.metrics import Z95, Estimate
from surveys.retention import Difference, difference_of_proportions


class ChangeTest(enum.StrEnum):
    PROPORTIONS = "difference of proportions"
    NPS = "NPS difference"
    WELCH = "Welch"


#: The test of each figure whose change is judged, by the figure's name.
CHANGE_TESTS: dict[str, ChangeTest] = {
    **dict.fromkeys(
        (
            "csat",
            "ces_easy",
            "response_rate",
            "fcr",
            "abandonment",
            "retention",
            "contacted_in_time",
            "recovery_rate",
        ),
        ChangeTest.PROPORTIONS,
    ),
    "nps": ChangeTest.NPS,
    **dict.fromkeys(
        (
            "ces",
            "handle_time",
            "talk_time",
            "hold_time",
            "after_work_time",
            "resolution_mean",
            "first_response_mean",
        ),
        ChangeTest.WELCH,
    ),
}


def t_quantile(df: int, two_tailed: float = 0.05) -> float:
    """Student's t quantile with ``df`` degrees of freedom leaving ``two_tailed`` in both tails.

    Hill's algorithm 396 (Comm. ACM 13(10), 1970): exact for 1 and 2 degrees of freedom,
    within 1e-5 of the exact quantile from 3 on (tested against SciPy), with no SciPy to
    import on a web request.
    """
    if df < 1:
        raise ValueError("df must be at least 1")
    p = two_tailed
    if df == 1:
        return 1 / math.tan(p * math.pi / 2)
    if df == 2:
        return math.sqrt(2 / (p * (2 - p)) - 2)
    a = 1 / (df - 0.5)
    b = 48 / (a * a)
    c = ((20700 * a / b - 98) * a - 16) * a + 96.36
    d = ((94.5 / (b + c) - 3) / b + 1) * math.sqrt(a * math.pi / 2) * df
    y = (d * p) ** (2 / df)
    if y > 0.05 + a:
        x = NormalDist().inv_cdf(p / 2)
        y = x * x
        if df < 5:
            c += 0.3 * (df - 4.5) * (x + 0.6)
        c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c
        y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x
        y = math.expm1(a * y * y)
    else:
        y = (
            (1 / (((df + 6) / (df * y) - 0.089 * d - 0.822) * (df + 2) * 3) + 0.5 / (df + 4)) * y
            - 1
        ) * (df + 1) / (df + 2) + 1 / y
    return math.sqrt(df * y)


def welch_difference(a: Estimate, b: Estimate) -> Difference | None:
    """Mean a - mean b with Welch's 95% interval; None without two observations on each side
    (no standard deviation) or when both have no spread at all."""
    if a.value is None or b.value is None or a.sd is None or b.sd is None:
        return None
    if a.n < 2 or b.n < 2:
        return None
    va, vb = a.sd**2 / a.n, b.sd**2 / b.n
    if va + vb == 0:
        return None
    df = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    half = t_quantile(max(1, math.floor(df))) * math.sqrt(va + vb)
    d = a.value - b.value
    return Difference(d, d - half, d + half)


def nps_difference(a: Estimate, b: Estimate) -> Difference | None:
    """NPS a - NPS b with d ± z·√(Var_a/n_a + Var_b/n_b); None when either has no data or
    neither varies (every answer in one bucket, both periods)."""
    if a.value is None or b.value is None or a.sd is None or b.sd is None:
        return None
    se = math.sqrt(a.sd**2 / a.n + b.sd**2 / b.n)
    if se == 0:
        return None
    d = a.value - b.value
    return Difference(d, d - Z95 * se, d + Z95 * se)


def successes(estimate: Estimate) -> int:
    """The count behind a percentage: value x n / 100, exact once rounded."""
    return round((estimate.value or 0) * estimate.n / 100)


def change_difference(name: str, current: Estimate, previous: Estimate) -> Difference | None:
    """The change of figure ``name`` with its 95% interval, by the figure's test; None when
    the figure has no test or either period has too little data."""
    test = CHANGE_TESTS.get(name)
    if test is None or current.value is None or previous.value is None:
        return None
    if test is ChangeTest.PROPORTIONS:
        return difference_of_proportions(
            successes(current), current.n, successes(previous), previous.n
        )
    if test is ChangeTest.NPS:
        return nps_difference(current, previous)
    return welch_difference(current, previous)


def change_significant(name: str, current: Estimate, previous: Estimate) -> bool | None:
    """True when the change's 95% interval excludes zero, False when it includes it, None
    when it cannot be judged (see ``change_difference``)."""
    difference = change_difference(name, current, previous)
    return None if difference is None else difference.significant
