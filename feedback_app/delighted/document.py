"""``/v1/openapi.json``: the Delighted API's own OpenAPI document.

A document of its own rather than a tagged part of ``/api/v1/openapi.json``: the two APIs
take keys differently (HTTP Basic here, a bearer token there), refuse in different shapes
and live under different prefixes, so a client generated from one document would send the
wrong header or expect the wrong errors on half of it. Both are built by the same walk over
the same declarations (``web.api.openapi.document``). Not a Delighted resource, it has
no form without ``.json``.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from feedback_app.delighted.api import PREFIX, DelightedError, bp
from feedback_app.web.api.openapi import document
from feedback_app.web.api.operations import PUBLIC, operation

SCHEME = "basic"
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "basic",
    "description": (
        "One of our API keys as the user name and no password, as Delighted's clients send "
        "their key. Each operation names the scope it needs; `admin` may do everything."
    ),
}


@operation(bp, "GET", "/openapi.json", scope=PUBLIC, answers={200: dict[str, Any]})
def openapi_json() -> dict[str, Any]:
    """This document: every Delighted-compatible operation, what it accepts and answers."""
    cached = current_app.extensions.get("feedback.delighted_openapi")
    if cached is None:
        cached = document(
            current_app,
            f"{PREFIX}/",
            {
                "title": "Delighted-compatible API",
                "version": "1",
                "description": "Delighted's REST API v1, so its official clients and your "
                "scripts work by changing their base URL. Every path also answers with "
                "`.json` appended, as Delighted's documentation writes them.",
            },
            security_scheme=SECURITY_SCHEME,
            scheme=SCHEME,
            error_body=DelightedError,
        )
        current_app.extensions["feedback.delighted_openapi"] = cached
    return cached
