"""Which language a page or email speaks: the customer's locale where we know it.

Customer pages set ``g.locale`` from the invitation's customer; otherwise the browser's
Accept-Language picks among the configured ``LOCALES``, falling back to the first (English).
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, request


def best_locale(requested: str | None) -> str:
    """The configured locale matching ``requested`` (``pt-BR`` matches ``pt``), else the default."""
    supported: list[str] = current_app.config["LOCALES"]
    if requested:
        tag = requested.replace("_", "-").lower()
        for candidate in (tag, tag.split("-")[0]):
            if candidate in supported:
                return candidate
    return supported[0]


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if has_request_context():
        if getattr(g, "locale", None):
            return best_locale(g.locale)
        match = request.accept_languages.best_match(current_app.config["LOCALES"])
        if match:
            return match
    return current_app.config["LOCALES"][0]
