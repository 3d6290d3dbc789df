"""Which of a survey's texts a customer reads, by language, and which translations are missing.

A survey keeps each customer-facing text per language tag (``{"en": ..., "fr": ...}``). The
customer's locale picks one: the exact tag, then its base language (``fr-CA`` reads ``fr``),
then the survey's own default language, then English. Tags are compared as BCP 47 says,
ignoring case and treating ``_`` like ``-`` (``pt_br`` is ``pt-BR``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Every text a customer reads, in the order the admin page lists them.
TEXT_FIELDS = (
    "question",
    "followup_question",
    "low_label",
    "high_label",
    "email_subject",
    "email_greeting",
    "email_button_line",
    "thanks",
)
#: The language every survey falls back to last.
FALLBACK_LANGUAGE = "en"
#: Languages written right to left (their base language).
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})
#: A language, then optional subtags: ``en``, ``pt-BR``, ``zh-Hant-TW``.
_TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")
MAX_TEXT_LENGTH = 1000

#: A survey's texts: field -> language tag -> text.
SurveyTexts = Mapping[str, Mapping[str, str]]


def normalise_tag(tag: str) -> str | None:
    """``tag`` written canonically (``pt_br`` -> ``pt-BR``), or None if it is not a tag."""
    tag = tag.strip()
    if not _TAG.fullmatch(tag):
        return None
    language, *rest = tag.replace("_", "-").split("-")
    subtags = [
        part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part.lower()
        for part in rest
    ]
    return "-".join([language.lower(), *subtags])


def base_language(tag: str) -> str:
    """The language of ``tag`` without region or script: ``fr-CA`` -> ``fr``."""
    return tag.replace("_", "-").split("-")[0].lower()


def fallback_order(locale: str | None, default_language: str) -> list[str]:
    """The tags to try, best first and without repeats: exact, base, survey default, ``en``."""
    exact = normalise_tag(locale) if locale else None
    order = [exact, base_language(exact) if exact else None, default_language, FALLBACK_LANGUAGE]
    return list(dict.fromkeys(tag for tag in order if tag))


@dataclass(frozen=True)
class PickedText:
    """The text shown and the language it is written in (for ``lang`` and ``dir``)."""

    text: str
    language: str


def pick_text(
    versions: Mapping[str, str], locale: str | None, default_language: str
) -> PickedText | None:
    """The version of one text for ``locale``, or None when no language in the order has it.

    Empty versions count as missing, so a blank translation falls back like an absent one.
    """
    by_tag = _written(versions)
    for tag in fallback_order(locale, default_language):
        if tag in by_tag:
            return PickedText(by_tag[tag], tag)
    return None


def _written(versions: Mapping[str, str]) -> dict[str, str]:
    """The non-empty versions of one text, by canonical tag."""
    return {normalise_tag(tag) or tag: text for tag, text in versions.items() if text.strip()}


def is_rtl(tag: str) -> bool:
    """Whether text in language ``tag`` is written right to left."""
    return base_language(tag) in RTL_LANGUAGES


def text_direction(tag: str) -> str:
    """The HTML ``dir`` of text in language ``tag``."""
    return "rtl" if is_rtl(tag) else "ltr"


def survey_languages(texts: SurveyTexts, default_language: str) -> list[str]:
    """The languages a survey has any text in, its default first, then alphabetically."""
    others = {tag for versions in texts.values() for tag in _written(versions)}
    others.discard(default_language)
    return [default_language, *sorted(others)]


def missing_texts(
    texts: SurveyTexts, languages: Iterable[str], fields: Iterable[str] = TEXT_FIELDS
) -> dict[str, list[str]]:
    """For each language, the fields that some other language has and it lacks.

    A field no language has is not missing anywhere: every customer reads its usual wording.
    """
    missing: dict[str, list[str]] = {}
    for language in languages:
        gaps = []
        for field in fields:
            have = _written(texts.get(field, {}))
            if have and language not in have:
                gaps.append(field)
        missing[language] = gaps
    return missing


def texts_problems(
    texts: SurveyTexts, default_language: str, required: Iterable[str] = ("question",)
) -> dict[str, str]:
    """Every problem of a survey's texts by field (``field.tag`` for one version); empty if none."""
    problems: dict[str, str] = {}
    if normalise_tag(default_language) != default_language:
        problems["default_language"] = "must be a language tag such as en, fr or pt-BR"
    for field, versions in texts.items():
        if field not in TEXT_FIELDS:
            problems[field] = "is not a text of a survey"
            continue
        for tag, text in versions.items():
            if normalise_tag(tag) is None:
                problems[f"{field}.{tag}"] = "must be a language tag such as en, fr or pt-BR"
            elif len(text) > MAX_TEXT_LENGTH:
                problems[f"{field}.{tag}"] = f"must be at most {MAX_TEXT_LENGTH} characters"
    for field in required:
        if not texts.get(field, {}).get(default_language, "").strip():
            problems[f"{field}.{default_language}"] = "must not be empty in the default language"
    return problems


def fill_greeting(greeting: str, name: str) -> str:
    """A greeting with ``{name}`` filled in; without a name, the placeholder and the space
    before it go (``Hi {name},`` -> ``Hi,``)."""
    if name:
        return greeting.replace("{name}", name)
    return re.sub(r"\s*\{name\}", "", greeting)
