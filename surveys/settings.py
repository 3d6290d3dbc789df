"""A survey's settings as an admin edits them, and every rule they must satisfy.

``settings_problems`` checks all of it at once and names each bad field, so a settings page can
show every mistake together; the thresholds and the follow-up rule are checked by their own
rules (``check_thresholds``, ``check_rule``), never by a second copy here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from surveys.bucketing import BUCKETS_BY_KIND, Bucket, Thresholds, bucket_label, check_thresholds
from surveys.errors import DomainError
from surveys.followups import FollowUpRule, check_rule
from surveys.kinds import KIND_SPECS, SurveyKind

#: The longest wait between an interaction and its invitation (the API's limit too).
MAX_DELAY_SECONDS = 30 * 86400
MAX_DAYS = 365
MAX_CADENCE_DAYS = 730

HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
#: ``https://host[:port]``, or plain http for a developer's own machine (loopback).
_ORIGIN = re.compile(
    r"(https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
    r"|http://(localhost|127\.0\.0\.1))(:(?P<port>\d{1,5}))?"
)


class InvalidSettings(DomainError):
    """Settings with one or more bad fields; ``errors`` maps each field to its problem."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


@dataclass(frozen=True)
class SurveySettings:
    """Everything an admin may change about a survey (its kind and keys stay as they are)."""

    name: str
    #: ``{company}`` is replaced by ``company_name`` when shown.
    question: str
    followup_question: str
    company_name: str
    thresholds: Thresholds
    delay_seconds: int
    expiry_days: int
    fatigue_days: int
    #: NPS only; None for the other kinds.
    cadence_days: int | None
    #: None turns reminders off.
    reminder_days: int | None
    enabled: bool
    sender_name: str
    sender_email: str
    accent_color: str
    logo_url: str
    #: As entered; ``parse_origins`` normalises them.
    allowed_origins: tuple[str, ...]
    rule: FollowUpRule


@dataclass(frozen=True)
class BucketRange:
    """The scores one bucket of a kind takes, e.g. satisfied 4-5 (CSAT), easy 5-7 (CES)."""

    kind: SurveyKind
    bucket: Bucket
    low: int
    high: int

    def __str__(self) -> str:
        scores = str(self.low) if self.low == self.high else f"{self.low}-{self.high}"
        return f"{bucket_label(self.bucket, self.kind)}: {scores}"


def bucket_ranges(kind: SurveyKind, thresholds: Thresholds) -> list[BucketRange]:
    """The score range of each of ``kind``'s buckets, best first; thresholds must be valid."""
    spec = KIND_SPECS[kind]
    starts = [thresholds.satisfied_min]
    if thresholds.passive_min is not None:
        starts.append(thresholds.passive_min)
    starts.append(spec.low)
    ends = [spec.high, *(start - 1 for start in starts[:-1])]
    return [
        BucketRange(kind, bucket, low, high)
        for bucket, low, high in zip(BUCKETS_BY_KIND[kind], starts, ends, strict=True)
    ]


def parse_origins(entries: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """Sort origins into (the valid ones, normalised and unique; the invalid ones as given).

    Case and a trailing ``/`` are forgiven; a path, query, wildcard or plain http to anything
    but this machine (``localhost``, ``127.0.0.1``) is not: the browser would refuse or widen
    such a frame-ancestor, or it would let a network attacker frame the survey.
    """
    valid: dict[str, None] = {}
    invalid = []
    for raw in entries:
        origin = raw.lower().removesuffix("/")
        match = _ORIGIN.fullmatch(origin)
        if match and (match["port"] is None or 1 <= int(match["port"]) <= 65535):
            valid[origin] = None
        else:
            invalid.append(raw)
    return tuple(valid), invalid


def settings_problems(kind: SurveyKind, settings: SurveySettings) -> dict[str, str]:
    """Every problem of ``settings`` for a survey of ``kind``, by field; empty when none.

    The sender address is not checked here: that needs an email validator, which the caller
    has.
    """
    problems: dict[str, str] = {}
    for field in ("name", "question", "company_name"):
        if not getattr(settings, field).strip():
            problems[field] = "must not be empty"
    _in_range(problems, "delay_seconds", settings.delay_seconds, 0, MAX_DELAY_SECONDS)
    _in_range(problems, "expiry_days", settings.expiry_days, 1, MAX_DAYS)
    _in_range(problems, "fatigue_days", settings.fatigue_days, 0, MAX_DAYS)
    if kind is SurveyKind.NPS:
        if settings.cadence_days is None:
            problems["cadence_days"] = "NPS surveys need a cadence"
        else:
            _in_range(problems, "cadence_days", settings.cadence_days, 1, MAX_CADENCE_DAYS)
    elif settings.cadence_days is not None:
        problems["cadence_days"] = f"{kind.value} surveys have no cadence"
    if (
        settings.reminder_days is not None
        and not 1 <= settings.reminder_days < settings.expiry_days
    ):
        problems["reminder_days"] = (
            "must be at least 1 and less than the expiry days, or empty for no reminder"
        )
    if not HEX_COLOR.fullmatch(settings.accent_color):
        problems["accent_color"] = "must be a colour written #rrggbb, e.g. #1f5fbf"
    if settings.logo_url and not _is_https_url(settings.logo_url):
        problems["logo_url"] = "must be an https:// address of an image, or empty"
    if invalid := parse_origins(settings.allowed_origins)[1]:
        problems["allowed_origins"] = (
            f"not an origin: {', '.join(invalid)}; write https://host or https://host:port "
            "(plain http only for localhost or 127.0.0.1), with no path"
        )
    for check in (
        lambda: check_thresholds(kind, settings.thresholds),
        lambda: check_rule(kind, settings.rule),
    ):
        try:
            check()
        except DomainError as error:
            problems[error.field or "thresholds"] = error.message
    return problems


def _in_range(problems: dict[str, str], field: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        problems[field] = f"must be between {low} and {high}"


def _is_https_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and not any(c.isspace() for c in url)
