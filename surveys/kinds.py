"""Survey kinds and their scales: the registry every other rule reads."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from surveys.errors import InvalidScore


class SurveyKind(enum.StrEnum):
    CSAT = "csat"
    CES = "ces"
    NPS = "nps"


@dataclass(frozen=True)
class ScaleSpec:
    """One kind's scale: bounds, labels of its ends and default question."""

    kind: SurveyKind
    low: int
    high: int
    low_label: str
    high_label: str
    default_question: str

    @property
    def points(self) -> range:
        return range(self.low, self.high + 1)


KIND_SPECS: dict[SurveyKind, ScaleSpec] = {
    SurveyKind.CSAT: ScaleSpec(
        SurveyKind.CSAT,
        1,
        5,
        "Very unsatisfied",
        "Very satisfied",
        "How satisfied were you with the support you received from {company}?",
    ),
    SurveyKind.CES: ScaleSpec(
        SurveyKind.CES,
        1,
        7,
        "Very difficult",
        "Very easy",
        "How easy was it to get your issue resolved?",
    ),
    SurveyKind.NPS: ScaleSpec(
        SurveyKind.NPS,
        0,
        10,
        "Not at all likely",
        "Extremely likely",
        "How likely are you to recommend {company} to a friend or colleague?",
    ),
}

DEFAULT_FOLLOWUP_QUESTION = "What is the main reason for your score?"

#: A whole number as people type it: ASCII digits, perhaps a minus. Python's ``int`` also
#: takes ``٣`` and other scripts' digits (and refuses ``²``, which ``isdigit`` accepts).
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
#: Longer numbers are off every scale; ``int`` of thousands of digits would cost real time.
_MAX_DIGITS = 6


def parse_kind(value: object) -> SurveyKind:
    """Return the kind named by ``value`` or raise ValueError listing the valid names."""
    try:
        return SurveyKind(str(value).lower())
    except ValueError:
        names = ", ".join(k.value for k in SurveyKind)
        raise ValueError(f"unknown survey kind {value!r}; expected one of {names}") from None


def validate_score(kind: SurveyKind, value: object) -> int:
    """Return ``value`` as an int on ``kind``'s scale; never clamps.

    Accepts ints and strings of ASCII digits (form fields arrive as strings); rejects bools,
    floats, blanks, other scripts' digits and anything off the scale with a message a
    customer can read.
    """
    spec = KIND_SPECS[kind]
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidScore("a score is required")
    if isinstance(value, bool):
        raise InvalidScore("the score must be a whole number")
    score: int | None = None
    if isinstance(value, int):
        score = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(text := value.strip()):
        score = int(text) if len(text.lstrip("-")) <= _MAX_DIGITS else None
    else:
        raise InvalidScore("the score must be a whole number")
    if score is None or not spec.low <= score <= spec.high:
        raise InvalidScore(f"the score must be between {spec.low} and {spec.high}")
    return score
