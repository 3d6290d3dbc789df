"""Settings and examples shared by the property tests (Hypothesis)."""

from __future__ import annotations

from hypothesis import settings

from surveys import InvalidThresholds, SurveyKind, Thresholds, check_thresholds
from surveys.kinds import KIND_SPECS

#: The same examples on every run, so CI is repeatable and a failure can be run again; a
#: bounded number of them, so the suite stays fast; no example database left on disk.
PROPERTIES = settings(max_examples=100, derandomize=True, deadline=None, database=None)


def candidate_thresholds(kind: SurveyKind) -> list[Thresholds]:
    """Every pair of thresholds within two of the scale's ends, valid or not."""
    spec = KIND_SPECS[kind]
    near = range(spec.low - 2, spec.high + 3)
    return [Thresholds(top, middle) for top in near for middle in (None, *near)]


def accepted(kind: SurveyKind, thresholds: Thresholds) -> bool:
    """Whether an admin could save ``thresholds`` for a survey of ``kind``."""
    try:
        check_thresholds(kind, thresholds)
    except InvalidThresholds:
        return False
    return True


#: Every threshold an admin may set, by kind: few enough to draw from a list of them all.
VALID_THRESHOLDS = {
    kind: [t for t in candidate_thresholds(kind) if accepted(kind, t)] for kind in SurveyKind
}
