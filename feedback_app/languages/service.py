"""Reading and changing a survey's texts per language, for the admin page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import Survey
from feedback_app.questions.service import survey_questions
from surveys.languages import (
    TEXT_FIELDS,
    SurveyTexts,
    missing_texts,
    normalise_tag,
    survey_languages,
    texts_problems,
)
from surveys.settings import InvalidSettings

#: What the admin page calls each text.
FIELD_LABELS = {
    "question": "Question",
    "followup_question": "Follow-up question",
    "low_label": "Label of the lowest score",
    "high_label": "Label of the highest score",
    "email_subject": "Email subject",
    "email_greeting": "Email greeting",
    "email_button_line": "Email line under the score buttons",
    "thanks": "Thank-you heading after answering",
}
FIELD_HINTS = {
    "question": "{company} is replaced by the company name.",
    "followup_question": "Empty in every language for no comment box.",
    "low_label": "Empty: the kind's usual label, e.g. “Very unsatisfied”.",
    "high_label": "Empty: the kind's usual label, e.g. “Very satisfied”.",
    "email_subject": "Empty: “How did {company} do?”. Reminders start with “Reminder:”.",
    "email_greeting": "{name} is the customer's name, left out with its space when unknown.",
    "email_button_line": "Empty: “Choose a score to open the survey with it chosen; …”.",
    "thanks": "Empty: “Thank you for your feedback!”.",
}


@dataclass(frozen=True)
class LanguageReport:
    """A survey's languages, default first (those of its additional questions too), and the
    texts each lacks that another has."""

    default_language: str
    languages: list[str]
    #: The survey's own fields (``TEXT_FIELDS``) each language lacks.
    missing: dict[str, list[str]]
    #: The additional questions' and their choices' texts each language lacks, as the admin
    #: reads them ("Question 2", "Question 2, choice “Too slow”").
    missing_questions: dict[str, list[str]]

    def gaps(self, language: str) -> list[str]:
        """Everything ``language`` lacks, as the admin reads it."""
        return [FIELD_LABELS[f] for f in self.missing[language]] + self.missing_questions[language]


def language_report(survey: Survey) -> LanguageReport:
    questions = _question_texts(survey)
    languages = survey_languages({**survey.texts, **questions}, survey.default_language)
    return LanguageReport(
        survey.default_language,
        languages,
        missing_texts(survey.texts, languages),
        missing_texts(questions, languages, questions),
    )


def _question_texts(survey: Survey) -> dict[str, dict[str, str]]:
    """The texts of each additional question and of each of its choices still offered, by
    how the report names them: the question's place, the choice's text in the default
    language (else any)."""
    texts: dict[str, dict[str, str]] = {}
    for number, question in enumerate(survey_questions(survey.id), 1):
        texts[f"Question {number}"] = question.texts
        for choice in question.choices:
            if not choice.retired:
                name = choice.texts.get(survey.default_language) or next(
                    iter(choice.texts.values()), str(choice.id)
                )
                texts[f"Question {number}, choice “{name}”"] = choice.texts
    return texts


def language_name(tag: str) -> str:
    """``tag``'s English name for staff (``pt-BR`` -> ``Portuguese (Brazil)``), else the tag."""
    try:
        return Locale.parse(tag, sep="-").english_name or tag
    except (UnknownLocaleError, ValueError):
        return tag


def save_texts(survey: Survey, default_language: str, texts: SurveyTexts) -> None:
    """Replace every text of the survey and its default language; commits.

    :raises InvalidSettings: as ``store_texts``.
    """
    store_texts(survey, default_language, texts)
    db.session.commit()


def store_texts(survey: Survey, default_language: str, texts: SurveyTexts) -> None:
    """Replace every text of the survey and its default language; the caller commits.

    Blank versions are dropped (they count as missing anyway) and tags written canonically.

    :raises InvalidSettings: naming every bad field (``field.tag``); nothing is stored then.
    """
    cleaned = _cleaned(texts)
    tag = normalise_tag(default_language) or default_language
    if problems := texts_problems(cleaned, tag):
        raise InvalidSettings(problems)
    before = (survey.default_language, survey.texts)
    survey.default_language = tag
    survey.texts = cleaned
    changed = [
        name
        for name, old, new in (
            ("default_language", before[0], tag),
            *((field, before[1].get(field, {}), cleaned.get(field, {})) for field in TEXT_FIELDS),
        )
        if old != new
    ]
    if changed:
        audit.record("survey.settings_changed", f"survey:{survey.id}", {"fields": changed})


def _cleaned(texts: SurveyTexts) -> dict[str, dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    for field, versions in texts.items():
        kept = {
            normalise_tag(tag) or tag: text.strip()
            for tag, text in versions.items()
            if text.strip()
        }
        if kept:
            cleaned[field] = kept
    return cleaned


@dataclass(frozen=True)
class TextsEdit:
    """What the admin's texts form sent: the default language, every text by field and
    language, and the problems of the added language (by form field)."""

    default_language: str
    texts: dict[str, dict[str, str]]
    problems: dict[str, str]


def form_texts(form: Mapping[str, str], languages: list[str]) -> TextsEdit:
    """Read the admin's texts form: fields ``text-<field>-<tag>`` for each of ``languages``,
    and ``new_language`` with its ``text-<field>-new``."""
    texts = {
        field: {tag: form.get(f"text-{field}-{tag}", "") for tag in languages}
        for field in TEXT_FIELDS
    }
    typed = form.get("new_language", "").strip()
    added = {field: form.get(f"text-{field}-new", "") for field in TEXT_FIELDS}
    problems = {}
    tag = normalise_tag(typed)
    if typed and tag is None:
        problems["new_language"] = "must be a language tag such as de, es or pt-BR"
    elif tag in languages:
        problems["new_language"] = f"{tag} is already listed: change its texts above"
    elif tag and not any(text.strip() for text in added.values()):
        problems["new_language"] = f"give at least one text in {tag}"
    elif not tag and any(text.strip() for text in added.values()):
        problems["new_language"] = "give the language of the new texts, e.g. de"
    elif tag:
        for field, text in added.items():
            texts[field][tag] = text
    return TextsEdit(form.get("default_language", "").strip(), texts, problems)


def form_values(survey: Survey) -> dict[str, str]:
    """The texts form's starting values, by field name."""
    values = {
        f"text-{field}-{tag}": text
        for field, versions in survey.texts.items()
        for tag, text in versions.items()
    }
    return {**values, "default_language": survey.default_language}


@dataclass(frozen=True)
class FieldProblem:
    """One problem of the texts form, as its error summary names it."""

    label: str
    message: str


def problem_fields(problems: Mapping[str, str], languages: list[str]) -> dict[str, FieldProblem]:
    """``save_texts``'s problems (``field.tag``) by the form field showing them."""
    named = {}
    for key, message in problems.items():
        field, _, tag = key.partition(".")
        if not tag:
            label = "Language tag" if field == "new_language" else "Default language"
            named[field] = FieldProblem(label, message)
        else:
            name = f"text-{field}-{tag if tag in languages else 'new'}"
            named[name] = FieldProblem(f"{FIELD_LABELS.get(field, field)} ({tag})", message)
    return named
