"""Which language of a survey's texts a customer reads, and which translations are missing."""

from __future__ import annotations

import pytest

from surveys.languages import (
    PickedText,
    fallback_order,
    fill_greeting,
    missing_texts,
    normalise_tag,
    pick_text,
    survey_languages,
    text_direction,
    texts_problems,
)

QUESTION = {"en": "How did we do?", "fr": "Comment était-ce ?", "fr-CA": "C'était comment?"}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr-CA", PickedText("C'était comment?", "fr-CA")),
        ("fr_ca", PickedText("C'était comment?", "fr-CA")),
        ("fr-BE", PickedText("Comment était-ce ?", "fr")),
        ("FR", PickedText("Comment était-ce ?", "fr")),
        ("de-AT", PickedText("Wie war es?", "de")),
        ("ja", PickedText("Wie war es?", "de")),
        (None, PickedText("Wie war es?", "de")),
        ("not a tag", PickedText("Wie war es?", "de")),
    ],
)
def test_the_exact_tag_then_its_language_then_the_surveys_default(
    locale: str | None, expected: PickedText
) -> None:
    versions = {**QUESTION, "de": "Wie war es?"}

    assert pick_text(versions, locale, "de") == expected


def test_english_is_the_last_resort_and_blank_versions_count_as_missing() -> None:
    versions = {"en": "How did we do?", "fr": "  ", "nl": ""}

    assert pick_text(versions, "fr", "nl") == PickedText("How did we do?", "en")
    assert pick_text({"es": "¿Qué tal?"}, "fr", "nl") is None


def test_the_order_has_no_repeats() -> None:
    assert fallback_order("en-GB", "en") == ["en-GB", "en"]
    assert fallback_order("pt-br", "fr") == ["pt-BR", "pt", "fr", "en"]
    assert fallback_order(None, "en") == ["en"]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("pt_br", "pt-BR"),
        (" EN ", "en"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("e", None),
        ("fr CA", None),
        ("", None),
    ],
)
def test_tags_are_written_one_way(tag: str, expected: str | None) -> None:
    assert normalise_tag(tag) == expected


@pytest.mark.parametrize(
    ("tag", "direction"),
    [("ar", "rtl"), ("ar-EG", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("ur", "rtl"), ("fr", "ltr")],
)
def test_arabic_hebrew_persian_and_urdu_are_written_right_to_left(tag: str, direction: str) -> None:
    assert text_direction(tag) == direction


def test_a_language_lacks_what_another_language_has() -> None:
    texts = {
        "question": {"en": "How did we do?", "fr": "Comment était-ce ?", "ar": "كيف كان أداؤنا؟"},
        "followup_question": {"en": "Why?", "fr": "Pourquoi ?", "ar": ""},
        "thanks": {"fr": "Merci !"},
    }
    languages = survey_languages(texts, "fr")

    assert languages == ["fr", "ar", "en"]
    assert missing_texts(texts, languages) == {
        "fr": [],
        "ar": ["followup_question", "thanks"],
        "en": ["thanks"],
    }


def test_the_default_language_needs_the_question_and_every_tag_must_be_one() -> None:
    texts = {
        "question": {"fr": "Comment était-ce ?"},
        "thanks": {"e n": "Thanks", "de": "x" * 1001},
        "colour": {"en": "blue"},
    }

    assert texts_problems(texts, "en") == {
        "thanks.e n": "must be a language tag such as en, fr or pt-BR",
        "thanks.de": "must be at most 1000 characters",
        "colour": "is not a text of a survey",
        "question.en": "must not be empty in the default language",
    }
    assert texts_problems({"question": {"fr": "Comment ?"}}, "fr") == {}
    assert texts_problems({}, "EN") == {
        "default_language": "must be a language tag such as en, fr or pt-BR",
        "question.EN": "must not be empty in the default language",
    }


def test_a_greeting_without_a_name_loses_the_placeholder_and_its_space() -> None:
    assert fill_greeting("Hi {name}, thanks!", "Ana") == "Hi Ana, thanks!"
    assert fill_greeting("Hi {name}, thanks!", "") == "Hi, thanks!"
    assert fill_greeting("Bonjour,", "") == "Bonjour,"
