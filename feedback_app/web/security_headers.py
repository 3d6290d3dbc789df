"""Every security header of every response, set here and nowhere else.

``register`` completes each response after its view: a Content-Security-Policy without inline
script (unless the view chose a policy of its own, as the embed and the mail preview do),
``X-Frame-Options`` to match, ``nosniff``, a referrer policy, ``Cache-Control: no-store``
(unless the view said how to cache, as static files do) and, over https, HSTS.

Hand-written rather than Flask-Talisman: Talisman takes one policy per app or a fixed one per
view, while the embed's ``frame-ancestors`` are each survey's own allowed origins, known only
once the survey is loaded; it has no Cache-Control; it trusts anyone's ``X-Forwarded-Proto``
for HSTS rather than only the proxy ``PROXY_HOPS`` declares; and it rewrites the session
cookie settings, which belong to sign-in. What would be left to it is a few header strings.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from flask import Flask, current_app, g, request
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.web.guards.limits import CUSTOMER_BLUEPRINTS

#: Customer blueprints whose own forms must carry our ``Origin``: under ``no-referrer`` a
#: browser posts ``Origin: null`` even to us, and the embed refuses an answer without ours.
#: ``same-origin`` still gives no other site the widget's address (its signed identity).
SAME_ORIGIN_REFERRER = frozenset({"embed"})
#: One year, as browsers' preload lists expect; sent only when the app is served over https.
HSTS = "max-age=31536000"
#: The development mailbox's HTML preview: an email's own inline styles and remote images,
#: never a script, in an opaque origin (the ``sandbox`` directive holds even if the preview is
#: opened outside its frame), framable only by the mailbox page itself.
MAIL_PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
    "sandbox allow-popups allow-popups-to-escape-sandbox"
)
#: An origin as CSP accepts it: scheme, host (optionally ``*.``-prefixed), optional port.
_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?")
_FRAME_ANCESTORS = re.compile(r"(?:^|;)\s*frame-ancestors\s+([^;]*)")
#: What ``X-Frame-Options`` (for browsers too old to read frame-ancestors) can say of them.
_FRAME_OPTIONS = {"'none'": "DENY", "'self'": "SAMEORIGIN"}


def frame_ancestors(allowed_origins: str) -> list[str]:
    """The valid origins of a survey's space-separated ``allowed_origins``, trailing ``/`` cut.

    Anything else is dropped, so a stray value can never widen or break the header.
    """
    origins = (origin.rstrip("/") for origin in allowed_origins.split())
    return [origin for origin in origins if _ORIGIN.fullmatch(origin)]


def nonce() -> str:
    """This request's nonce for the one inline ``<style>`` a customer page carries."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(ancestors: Iterable[str] = (), frame_src: str | None = None) -> str:
    """Our own scripts, styles, images and forms only; framed by ``ancestors`` (else by none).

    Styles get this request's nonce if the page used one (call after rendering). ``frame_src``
    lets a page hold frames of its own (the mailbox's preview).
    """
    styles = f"'self' 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else "'self'"
    frames = f"frame-src {frame_src}; " if frame_src else ""
    framing = " ".join(ancestors) or "'none'"
    return (
        f"default-src 'none'; script-src 'self'; style-src {styles}; img-src 'self' data:; "
        f"{frames}form-action 'self'; base-uri 'none'; frame-ancestors {framing}"
    )


def set_policy(response: WerkzeugResponse, policy: str) -> WerkzeugResponse:
    """Give ``response`` a policy of its view's choosing instead of the default one."""
    response.headers["Content-Security-Policy"] = policy
    return response


def _over_https() -> bool:
    """Served over https: the public address says so, or this request came over TLS.

    ``request.is_secure`` believes ``X-Forwarded-Proto`` only from the proxy that
    ``PROXY_HOPS`` declares (and gunicorn's ``FORWARDED_ALLOW_IPS``); browsers ignore HSTS
    received over plain http, so sending it whenever the base URL is https is harmless.
    """
    return request.is_secure or str(current_app.config["BASE_URL"]).startswith("https://")


def secure_headers(response: WerkzeugResponse) -> WerkzeugResponse:
    """Complete ``response`` with every security header its view did not set itself."""
    headers = response.headers
    policy = headers.setdefault("Content-Security-Policy", content_security_policy())
    ancestors = _FRAME_ANCESTORS.search(policy)
    frame_options = _FRAME_OPTIONS.get(ancestors.group(1).strip() if ancestors else "")
    if frame_options:
        headers["X-Frame-Options"] = frame_options
    headers["X-Content-Type-Options"] = "nosniff"
    # Customer URLs carry tokens: not even our own static files get them as a Referer (a
    # proxy's access log would keep them). Staff pages send theirs to this site only, which
    # Flask-WTF's CSRF check requires of every form posted over https.
    customer = request.blueprint in CUSTOMER_BLUEPRINTS
    private = customer and request.blueprint not in SAME_ORIGIN_REFERRER
    headers["Referrer-Policy"] = "no-referrer" if private else "same-origin"
    # Staff pages, CSV downloads and API answers hold customer data; customer pages hold an
    # answer, an email address and single-use form tokens. None is kept by a browser or a
    # proxy: a shared computer's cache would show them, a stale copy would post an old token.
    headers.setdefault("Cache-Control", "no-store")
    if _over_https():
        headers["Strict-Transport-Security"] = HSTS
    return response


def register(app: Flask) -> None:
    app.after_request(secure_headers)
