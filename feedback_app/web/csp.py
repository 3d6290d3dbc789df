"""Who may frame our pages, and the strict policy of the customer-facing ones.

Every page refuses to be framed (clickjacking) unless its view has already said otherwise:
only the embed routes set ``frame-ancestors`` to their survey's allowed origins.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from flask import Flask, g
from werkzeug.wrappers import Response as WerkzeugResponse

#: An origin as CSP accepts it: scheme, host (optionally ``*.``-prefixed), optional port.
_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?")


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


def customer_page_policy(response: WerkzeugResponse, ancestors: Iterable[str] = ()) -> None:
    """Allow only our own styles, scripts and forms, and framing by ``ancestors`` (else none).

    Customer pages load nothing from elsewhere; the policy makes that a guarantee.
    """
    framing = " ".join(ancestors) or "'none'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce()}'; "
        f"img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors {framing}"
    )


def register(app: Flask) -> None:
    """Deny framing on every response whose view did not set ``frame-ancestors`` itself."""

    @app.after_request
    def deny_framing(response: WerkzeugResponse) -> WerkzeugResponse:
        policy = response.headers.get("Content-Security-Policy")
        if policy is None:
            policy = "frame-ancestors 'none'"
        elif "frame-ancestors" not in policy:
            policy = f"{policy}; frame-ancestors 'none'"
        response.headers["Content-Security-Policy"] = policy
        if policy.endswith("frame-ancestors 'none'"):
            # For browsers too old to read frame-ancestors.
            response.headers["X-Frame-Options"] = "DENY"
        return response
