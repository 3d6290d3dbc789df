"""Rendering emails: Jinja2 template pairs in the recipient's language, with survey branding.

Each email ``name`` has ``emails/name.txt`` (blocks ``subject`` and ``body``) and
``emails/name.html`` (table layout, inline styles, no script, no required images). The result
is a ``notifications.Message``; hand it to ``outbox.queue_email`` to send it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from babel.support import Translations
from flask import current_app
from flask_babel import force_locale, get_translations, gettext
from jinja2 import Template
from markupsafe import escape

from feedback_app.branding import SurveyWords, accent_colors, survey_words
from feedback_app.i18n import best_locale
from feedback_app.models import Customer, Invitation, Survey
from feedback_app.services.invitations import token_for
from feedback_app.texts import kind_name
from notifications import Message
from surveys.kinds import SurveyKind
from surveys.languages import fill_greeting, normalise_tag


@dataclass(frozen=True)
class Branding:
    """Who an email is from and how it looks: a survey's settings over the configured ones."""

    company: str
    sender_name: str
    sender_email: str
    accent: str
    #: Black or white, whichever reads better on ``accent``.
    accent_text: str
    logo_url: str


def branding(survey: Survey | None = None) -> Branding:
    """The survey's branding, falling back to ``COMPANY_NAME`` and ``MAIL_FROM``."""
    config = current_app.config
    default_name, default_email = parseaddr(config["MAIL_FROM"])
    company = survey.company_name if survey else config["COMPANY_NAME"]
    accent, accent_text = accent_colors(survey.accent_color if survey else "")
    return Branding(
        company=company,
        sender_name=(survey.sender_name if survey else "") or company or default_name,
        sender_email=(survey.sender_email if survey else "") or default_email,
        accent=accent,
        accent_text=accent_text,
        logo_url=survey.logo_url if survey else "",
    )


def one_line(value: str) -> str:
    """``value`` with every run of whitespace (CR and LF too) made one space: header-safe."""
    return " ".join(value.split())


def new_message_id(sender_email: str) -> str:
    """A unique Message-ID in the sender's domain; the outbox keeps it for every attempt."""
    domain = sender_email.rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def _translator(translations: Translations) -> Callable[..., str]:
    """``gettext`` bound to one catalogue, for a whole email.

    Looking the catalogue up once instead of at every string keeps rendering thousands of
    invitations fast. It returns plain text: an HTML template escapes it, as it escapes the
    values put into it (no message carries markup).
    """

    def translate(text: str, **values: object) -> str:
        result = translations.gettext(text)
        return result % values if values else result

    return translate


def _render_blocks(template: Template, context: Mapping[str, Any]) -> tuple[str, str]:
    blocks = template.new_context(dict(context))
    subject = "".join(template.blocks["subject"](blocks))
    body = "".join(template.blocks["body"](blocks))
    return one_line(subject), body.strip() + "\n"


def _render(
    name: str, context: Mapping[str, Any], lang: str, brand: Branding, to_name: str
) -> tuple[str, str, str]:
    """The subject, the text and the HTML of the email ``name`` in the language ``lang``."""
    env = current_app.jinja_env
    with force_locale(lang):
        translate = _translator(get_translations())
        values = {**context, "brand": brand, "to_name": to_name, "lang": lang}
        values["_"] = values["gettext"] = translate
        subject, text = _render_blocks(env.get_template(f"emails/{name}.txt"), values)
        html = env.get_template(f"emails/{name}.html").render(values, subject=subject)
    return subject, text, html


def _message(
    brand: Branding,
    *,
    to_email: str,
    to_name: str,
    content: tuple[str, str, str],
    reply_to: str = "",
    reply_to_name: str = "",
    headers: Mapping[str, str] | None = None,
) -> Message:
    subject, text, html = content
    return Message(
        message_id=new_message_id(brand.sender_email),
        sender=brand.sender_email,
        sender_name=one_line(brand.sender_name),
        recipient=to_email,
        recipient_name=one_line(to_name),
        reply_to=one_line(reply_to),
        reply_to_name=one_line(reply_to_name),
        subject=subject,
        text=text,
        html=html,
        headers=dict(headers or {}),
    )


def compose(
    name: str,
    *,
    to_email: str,
    to_name: str = "",
    context: Mapping[str, Any],
    locale: str | None = None,
    survey: Survey | None = None,
    reply_to: str = "",
    reply_to_name: str = "",
    headers: Mapping[str, str] | None = None,
) -> Message:
    """Render the email ``name`` for one recipient.

    Names become display names as they are (quoted when the email is written); CR, LF and
    other runs of whitespace in them become one space.

    :param context: the template's variables (each template lists the ones it reads);
        ``brand`` (the survey's ``Branding``), ``to_name`` and ``lang`` are added.
    :param locale: the recipient's language, e.g. ``Customer.locale``; English when no
        translation exists.
    :param reply_to: a bare address for answers, e.g. a case owner's, shown with
        ``reply_to_name``.
    """
    brand = branding(survey)
    content = _render(name, context, best_locale(locale), brand, to_name)
    return _message(
        brand,
        to_email=to_email,
        to_name=to_name,
        content=content,
        reply_to=reply_to,
        reply_to_name=reply_to_name,
        headers=headers,
    )


#: Stand-ins for what differs between two recipients of one survey email: rendered once,
#: then replaced by each recipient's values. NUL occurs in no template or translation.
_NAME, _TOKEN = "\x00name\x00", "\x00token\x00"
_SLOT = re.compile("\x00(name|token)\x00")


def _fill(pieces: list[str], values: Mapping[str, str]) -> str:
    """Text split by ``_SLOT`` (literal, slot, literal, …) with each slot's value put back."""
    filled = pieces.copy()
    filled[1::2] = [values[slot] for slot in pieces[1::2]]
    return "".join(filled)


@dataclass(frozen=True)
class _Stencil:
    """A survey email rendered with ``_NAME`` and ``_TOKEN``, split where they stand."""

    brand: Branding
    subject: str
    text: list[str]
    html: list[str]


def _greeting(words: SurveyWords, name: str) -> str:
    """The survey's own greeting, else ours, to ``name`` (empty for none)."""
    if words.email_greeting:
        return fill_greeting(words.email_greeting, name)
    return gettext("Hello %(name)s,", name=name) if name else gettext("Hello,")


def _survey_email(
    survey: Survey,
    locale: str | None,
    *,
    reminder: bool,
    contact: bool,
    to_name: str,
    score_url: Callable[[int], str],
    survey_url: str,
    unsubscribe_url: str,
) -> tuple[Branding, tuple[str, str, str]]:
    """The branding and the subject, text and HTML of a survey email to ``to_name``, its
    links as given: a customer's token links, or the admin's preview."""
    lang = best_locale(locale)
    company = survey.company_name
    with force_locale(lang):
        intro = (
            gettext(
                "A few days ago we asked how we did. If you have a moment, your answer"
                " helps %(company)s improve.",
                company=company,
            )
            if reminder
            else gettext(
                "Thank you for contacting %(company)s. Could you tell us how we did? It"
                " only takes a moment.",
                company=company,
            )
            if contact
            else gettext(
                "Now and then we ask our customers what they think of %(company)s. It"
                " only takes a moment.",
                company=company,
            )
        )
        reason = (
            gettext("You received this email because you contacted %(company)s.", company=company)
            if contact
            else gettext(
                "You received this email because you are a customer of %(company)s.",
                company=company,
            )
        )
        words = survey_words(survey, locale)
        context = {
            "intro": intro,
            "reason": reason,
            "words": words,
            "greeting": _greeting(words, to_name),
            # True with or without JavaScript on the page the link opens.
            "button_line": words.email_button_line
            or gettext(
                "Choose a score to open the survey with it chosen; you can add a comment there."
            ),
            "question": words.question,
            "kind_name": kind_name(survey.kind),
            "scale": survey.scale,
            "reminder": reminder,
            "score_urls": [(n, score_url(n)) for n in survey.scale.points],
            "survey_url": survey_url,
            "unsubscribe_url": unsubscribe_url,
        }
    brand = branding(survey)
    return brand, _render("survey", context, lang, brand, to_name)


def survey_email_preview(
    survey: Survey, locale: str | None, *, to_email: str, to_name: str, page_url: str
) -> Message:
    """The survey's invitation as a customer in ``locale`` reads it, for the admin's preview
    and "send me a test": its links open ``page_url`` (the preview of the page, where nothing
    is recorded) instead of a customer's token. A periodic NPS reads as one."""
    join = "&" if "?" in page_url else "?"
    brand, content = _survey_email(
        survey,
        locale,
        reminder=False,
        contact=survey.kind is not SurveyKind.NPS,
        to_name=to_name,
        score_url=lambda n: f"{page_url}{join}score={n}",
        survey_url=page_url,
        unsubscribe_url=page_url,
    )
    return _message(brand, to_email=to_email, to_name=to_name, content=content)


class SurveyEmails:
    """Renders invitations and reminders, sharing what emails of one survey have in common.

    A dispatch batch renders thousands of emails for a handful of surveys, which differ only
    in the recipient's name and link token. So the templates are rendered once per survey,
    language, purpose and whether there is a name to greet, with stand-ins for those two, and
    each email is that text with the stand-ins replaced (HTML-escaped in the HTML part). The
    survey templates therefore print ``to_name`` and the links as they are, through no filter.
    """

    def __init__(self) -> None:
        self._stencils: dict[tuple[int, str, bool, bool], _Stencil] = {}

    def _stencil(
        self, survey: Survey, locale: str | None, reminder: bool, named: bool, contact: bool
    ) -> _Stencil:
        """:param locale: the customer's own tag: the survey's texts are picked for it, our
        own words for the closest language we ship.
        :param contact: the survey asks about a contact with support; a periodic NPS does
        not, and must not thank the customer for a contact they never made."""
        key = (
            survey.id,
            normalise_tag(locale or "") or best_locale(locale),
            reminder,
            named,
            contact,
        )
        if key not in self._stencils:
            base = current_app.config["BASE_URL"].rstrip("/")
            link = f"{base}/s/{_TOKEN}"
            brand, (subject, text, html) = _survey_email(
                survey,
                locale,
                reminder=reminder,
                contact=contact,
                to_name=_NAME if named else "",
                score_url=lambda n: f"{link}?score={n}",
                survey_url=link,
                unsubscribe_url=f"{base}/u/{_TOKEN}",
            )
            self._stencils[key] = _Stencil(brand, subject, _SLOT.split(text), _SLOT.split(html))
        return self._stencils[key]

    def render(self, invitation: Invitation, *, reminder: bool = False) -> Message:
        """The invitation (or its reminder) with the question as one-click score links.

        Carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058) and a footer
        link to the same page.
        """
        survey = invitation.survey
        customer: Customer = invitation.customer
        name = customer.name
        contact = invitation.interaction_id is not None or survey.kind is not SurveyKind.NPS
        stencil = self._stencil(survey, customer.locale, reminder, bool(name), contact)
        token = token_for(invitation)
        text = _fill(stencil.text, {"name": name, "token": token})
        html = _fill(stencil.html, {"name": escape(name), "token": escape(token)})
        base = current_app.config["BASE_URL"].rstrip("/")
        return _message(
            stencil.brand,
            to_email=customer.email,
            to_name=name,
            content=(stencil.subject, text, html),
            headers={
                "List-Unsubscribe": f"<{base}/u/{token}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )


def survey_email(invitation: Invitation, *, reminder: bool = False) -> Message:
    """One invitation or reminder email; see ``SurveyEmails.render``."""
    return SurveyEmails().render(invitation, reminder=reminder)
