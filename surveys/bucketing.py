"""Filing a score in its bucket, by the survey's thresholds."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from surveys.errors import InvalidThresholds
from surveys.kinds import KIND_SPECS, SurveyKind, validate_score


class Bucket(enum.StrEnum):
    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"


BUCKETS_BY_KIND: dict[SurveyKind, tuple[Bucket, ...]] = {
    SurveyKind.NPS: (Bucket.PROMOTER, Bucket.PASSIVE, Bucket.DETRACTOR),
    SurveyKind.CSAT: (Bucket.SATISFIED, Bucket.UNSATISFIED),
    SurveyKind.CES: (Bucket.SATISFIED, Bucket.UNSATISFIED),
}
#: For each kind, the bucket of unhappy customers and the bucket of happy ones.
CONTRAST: dict[SurveyKind, tuple[Bucket, Bucket]] = {
    SurveyKind.NPS: (Bucket.DETRACTOR, Bucket.PROMOTER),
    SurveyKind.CSAT: (Bucket.UNSATISFIED, Bucket.SATISFIED),
    SurveyKind.CES: (Bucket.UNSATISFIED, Bucket.SATISFIED),
}
#: CES asks how much effort it took, so its buckets read as effort, never as satisfaction.
EFFORT_LABELS = {Bucket.SATISFIED: "easy", Bucket.UNSATISFIED: "difficult"}
#: A filter's bucket choices across kinds, each named as every kind it covers reads it.
BUCKET_CHOICES = tuple(
    (bucket.value, f"{bucket.value.title()} (CSAT) or {EFFORT_LABELS[bucket]} (CES)")
    if bucket in EFFORT_LABELS
    else (bucket.value, bucket.value.title())
    for bucket in Bucket
)


def bucket_label(bucket: Bucket, kind: SurveyKind) -> str:
    """The bucket as staff read it: a CES answer is easy or difficult, not satisfied."""
    return EFFORT_LABELS[bucket] if kind is SurveyKind.CES else bucket.value


@dataclass(frozen=True)
class Thresholds:
    """Lowest score of the top bucket and, for NPS, of the middle one.

    CSAT and CES have two buckets: ``satisfied_min`` and above is satisfied. NPS has three:
    ``satisfied_min`` and above is a promoter, ``passive_min`` up to it a passive, the rest
    detractors.
    """

    satisfied_min: int
    passive_min: int | None = None


DEFAULT_THRESHOLDS: dict[SurveyKind, Thresholds] = {
    SurveyKind.CSAT: Thresholds(satisfied_min=4),
    SurveyKind.CES: Thresholds(satisfied_min=5),
    SurveyKind.NPS: Thresholds(satisfied_min=9, passive_min=7),
}


def check_thresholds(kind: SurveyKind, thresholds: Thresholds) -> Thresholds:
    """Return ``thresholds`` if every bucket of ``kind`` can be reached, else raise."""
    spec = KIND_SPECS[kind]
    top = thresholds.satisfied_min
    if not spec.low < top <= spec.high:
        raise InvalidThresholds(
            f"satisfied_min must be above {spec.low} and at most {spec.high}", "satisfied_min"
        )
    if kind is SurveyKind.NPS:
        middle = thresholds.passive_min
        if middle is None or not spec.low < middle < top:
            raise InvalidThresholds(
                f"passive_min must be above {spec.low} and below satisfied_min ({top})",
                "passive_min",
            )
    elif thresholds.passive_min is not None:
        raise InvalidThresholds(f"{kind.value} surveys have no passive bucket", "passive_min")
    return thresholds


def classify(kind: SurveyKind, score: int, thresholds: Thresholds | None = None) -> Bucket:
    """Return the bucket of ``score`` on ``kind``'s scale (validated first, never clamped)."""
    score = validate_score(kind, score)
    limits = thresholds or DEFAULT_THRESHOLDS[kind]
    if kind is SurveyKind.NPS:
        if score >= limits.satisfied_min:
            return Bucket.PROMOTER
        if limits.passive_min is not None and score >= limits.passive_min:
            return Bucket.PASSIVE
        return Bucket.DETRACTOR
    return Bucket.SATISFIED if score >= limits.satisfied_min else Bucket.UNSATISFIED
