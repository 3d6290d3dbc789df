"""The survey domain: plain Python rules with no web framework and no database."""

from surveys.bucketing import (
    BUCKETS_BY_KIND,
    DEFAULT_THRESHOLDS,
    Bucket,
    Thresholds,
    check_thresholds,
    classify,
)
from surveys.errors import DomainError, InvalidScore, InvalidThresholds
from surveys.kinds import (
    DEFAULT_FOLLOWUP_QUESTION,
    KIND_SPECS,
    ScaleSpec,
    SurveyKind,
    parse_kind,
    validate_score,
)

__all__ = [
    "BUCKETS_BY_KIND",
    "DEFAULT_FOLLOWUP_QUESTION",
    "DEFAULT_THRESHOLDS",
    "KIND_SPECS",
    "Bucket",
    "DomainError",
    "InvalidScore",
    "InvalidThresholds",
    "ScaleSpec",
    "SurveyKind",
    "Thresholds",
    "check_thresholds",
    "classify",
    "parse_kind",
    "validate_score",
]
