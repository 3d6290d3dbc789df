"""Which language a page or email speaks: the customer's locale where we know it.

Customer pages set ``g.locale`` from the invitation's customer; otherwise the browser's
Accept-Language picks among the configured ``LOCALES``, falling back to the first (English).
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import get_locale

from surveys.languages import base_language, normalise_tag


def best_locale(requested: str | None) -> str:
    """The configured locale matching ``requested``, else the default (English).

    The exact tag first, then the base language: ``pt-BR`` and ``pt`` both match ``pt_BR``,
    ``fr-CA`` matches ``fr``.
    """
    supported: list[str] = current_app.config["LOCALES"]
    if requested:
        tag = normalise_tag(requested)
        by_tag = {normalise_tag(locale): locale for locale in supported}
        if tag in by_tag:
            return by_tag[tag]
        base = base_language(requested)
        for locale in supported:
            if base_language(locale) == base:
                return locale
    return supported[0]


def customer_locale() -> str:
    """The customer's own locale on this request (``g.locale``, which may be a language we do
    not ship, such as ``ar``), else the one Flask-Babel chose."""
    return getattr(g, "locale", None) or str(get_locale())


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if has_request_context():
        if getattr(g, "locale", None):
            return best_locale(g.locale)
        match = request.accept_languages.best_match(current_app.config["LOCALES"])
        if match:
            return match
    return current_app.config["LOCALES"][0]
