"""A survey's look and words as customers see them, in pages and emails alike."""

from __future__ import annotations

from flask_babel import gettext

from feedback_app.models import Survey
from surveys.settings import HEX_COLOR

DEFAULT_ACCENT = "#1f5fbf"


def question_text(survey: Survey) -> str:
    """The survey's question in the page's language when a translation of it exists.

    The stored text may be a default (translated in the catalogue) or an admin's own wording
    (shown as written); ``{company}`` is filled in after translating.
    """
    return gettext(survey.question).replace("{company}", survey.company_name)


def followup_text(survey: Survey) -> str:
    return gettext(survey.followup_question) if survey.followup_question else ""


def accent_colors(accent: str) -> tuple[str, str]:
    """The survey's accent (or the default if malformed) and a text colour readable on it.

    Picks black or white, whichever contrasts more; one of them always reaches WCAG AA
    (4.5:1), whatever the accent.
    """
    color = accent if HEX_COLOR.fullmatch(accent or "") else DEFAULT_ACCENT
    background = _luminance(color)
    on_white = (1.05) / (background + 0.05)
    on_black = (background + 0.05) / 0.05
    return color, "#ffffff" if on_white >= on_black else "#000000"


def _luminance(color: str) -> float:
    """WCAG relative luminance of a ``#rrggbb`` colour."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
