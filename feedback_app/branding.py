"""A survey's look and words as customers see them, in pages and emails alike."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale, gettext

from feedback_app.models import Survey
from surveys.languages import PickedText, normalise_tag, pick_text, text_direction
from surveys.settings import HEX_COLOR

DEFAULT_ACCENT = "#1f5fbf"


@dataclass(frozen=True)
class SurveyWords:
    """Every text of a survey as one customer reads it, picked for their locale.

    The email texts are None where the survey keeps none: the templates then say their
    usual words, from the catalogue.
    """

    #: The question's language, which the page's ``lang`` and ``dir`` follow.
    language: str
    direction: str
    question: str
    #: Empty for no follow-up question.
    followup: str
    low_label: str
    high_label: str
    thanks: str
    email_subject: str | None
    #: May hold ``{name}``; see ``surveys.languages.fill_greeting``.
    email_greeting: str | None
    email_button_line: str | None


def survey_words(survey: Survey, locale: str | None) -> SurveyWords:
    """The survey's texts for a customer whose locale is ``locale`` (their own tag, e.g.
    ``fr-CA`` or ``ar``, not only a language we ship), under the current catalogue.

    Each text falls back as ``surveys.languages.pick_text`` says; a text then equal to one of
    our defaults (the kind's usual question) is shown in the catalogue's translation, and
    ``{company}`` is filled in.
    """
    texts = survey.texts or {}

    def pick(field: str) -> PickedText | None:
        picked = pick_text(texts.get(field, {}), locale, survey.default_language)
        if picked is None:
            return None
        translated = gettext(picked.text)
        language = picked.language if translated == picked.text else _catalogue_tag()
        return PickedText(translated.replace("{company}", survey.company_name), language)

    def text(field: str, usual: str) -> str:
        picked = pick(field)
        return picked.text if picked else gettext(usual)

    def optional(field: str) -> str | None:
        picked = pick(field)
        return picked.text if picked else None

    question = pick("question")
    language = question.language if question else _catalogue_tag()
    scale = survey.scale
    return SurveyWords(
        language=language,
        direction=text_direction(language),
        question=question.text if question else "",
        followup=optional("followup_question") or "",
        low_label=text("low_label", scale.low_label),
        high_label=text("high_label", scale.high_label),
        thanks=text("thanks", "Thank you for your feedback!"),
        email_subject=optional("email_subject"),
        email_greeting=optional("email_greeting"),
        email_button_line=optional("email_button_line"),
    )


def _catalogue_tag() -> str:
    """The language of our own words on this page, as an HTML ``lang`` (``pt-BR``)."""
    locale = str(get_locale())
    return normalise_tag(locale) or locale


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
