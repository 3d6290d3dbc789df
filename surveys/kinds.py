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


def parse_kind(value: object) -> SurveyKind:
    """Return the kind named by ``value`` or raise ValueError listing the valid names."""
    try:
        return SurveyKind(str(value).lower())
    except ValueError:
        names = ", ".join(k.value for k in SurveyKind)
        raise ValueError(f"unknown survey kind {value!r}; expected one of {names}") from None


#: A whole number as a form sends it: ASCII digits only, so ``²``, ``٣`` or ``--1`` (which
#: ``str.isdigit`` or ``int`` would take, or choke on) are not one.
WHOLE_NUMBER = re.compile(r"-?[0-9]+", re.ASCII)
#: More digits than any scale needs; ``int`` of a few thousand raises rather than answers.
MAX_DIGITS = 20


def validate_score(kind: SurveyKind, value: object) -> int:
    """Return ``value`` as an int on ``kind``'s scale; never clamps.

    Accepts ints and strings of ASCII digits (form fields arrive as strings); rejects bools,
    floats, blanks, other digits and anything off the scale with a message a customer can
    read.
    """
    spec = KIND_SPECS[kind]
    off_scale = InvalidScore(f"the score must be between {spec.low} and {spec.high}")
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidScore("a score is required")
    if isinstance(value, bool):
        raise InvalidScore("the score must be a whole number")
    if isinstance(value, int):
        score = value
    elif isinstance(value, str) and WHOLE_NUMBER.fullmatch(text := value.strip()):
        if len(text.lstrip("-").lstrip("0")) > MAX_DIGITS:
            raise off_scale
        score = int(text)
    else:
        raise InvalidScore("the score must be a whole number")
    if not spec.low <= score <= spec.high:
        raise off_scale
    return score
