"""The survey domain's English texts, marked for translation.

``surveys/`` stays free of gettext, so its default labels and questions are listed here
for pybabel to extract; at run time ``gettext(text)`` finds them by their English wording
(templates write ``_(scale.low_label)``); a customised question keeps its own text.
"""

from __future__ import annotations

from flask_babel import gettext

from surveys.kinds import SurveyKind


def N_(text: str) -> str:
    """Mark ``text`` for extraction (pybabel knows ``N_``) without translating it here."""
    return text


DOMAIN_TEXTS = (
    N_("Very unsatisfied"),
    N_("Very satisfied"),
    N_("Very difficult"),
    N_("Very easy"),
    N_("Not at all likely"),
    N_("Extremely likely"),
    N_("How satisfied were you with the support you received from {company}?"),
    N_("How easy was it to get your issue resolved?"),
    N_("How likely are you to recommend {company} to a friend or colleague?"),
    N_("What is the main reason for your score?"),
    N_("Thank you for your feedback!"),
)

KIND_NAMES = {
    SurveyKind.CSAT: N_("satisfaction surveys"),
    SurveyKind.CES: N_("customer effort surveys"),
    SurveyKind.NPS: N_("recommendation surveys"),
}


def kind_name(kind: SurveyKind) -> str:
    """What a customer calls surveys of ``kind``, in the current language."""
    return gettext(KIND_NAMES[kind])
