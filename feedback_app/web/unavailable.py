"""Every page's answer while the database is out of reach: a readable 503, never a stack trace.

A customer's answer must survive the moment: the survey page answers with the score and
comment kept in a form that sends them again, which the page's script does by itself after a
growing wait (``survey.js``), the button staying for browsers without JavaScript. Re-sending is
safe: an answer that did get saved is only edited to the same values. Staff get a readable
page and API clients JSON; every one is told when to try again (``Retry-After``).
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.outage import UNAVAILABLE, abandon_transaction, describe
from feedback_app.web.answering import customer_page
from feedback_app.web.apis import is_api
from feedback_app.web.security_headers import nonce

log = logging.getLogger(__name__)

#: The hidden field counting the automatic retries of a kept answer (or of a page's GET).
ATTEMPT_FIELD = "retry"
#: Automatic retries of a customer page, waiting 2, 4, 8 then 16 s; then only the button.
AUTOMATIC_RETRIES = 4
RETRY_BASE_SECONDS = 2
#: What staff pages and API clients are asked to wait.
RETRY_AFTER_SECONDS = 5
CUSTOMER_BLUEPRINTS = ("public", "embed")


def _customer_page() -> WerkzeugResponse:
    """The survey page's 503: what the customer sent, kept in a form that sends it again."""
    posted = request.method == "POST"
    values = request.form if posted else request.args
    attempt = values.get(ATTEMPT_FIELD, 0, type=int)
    attempt = min(max(attempt, 0), AUTOMATIC_RETRIES)
    wait = RETRY_BASE_SECONDS * 2 ** min(attempt, AUTOMATIC_RETRIES - 1)
    kept = [
        (name, value)
        for name, value in values.items(multi=True)
        if name not in (ATTEMPT_FIELD, "comment")
    ]
    response = customer_page(
        "survey/unavailable.html",
        503,
        lang=str(get_locale()),
        csp_nonce=nonce(),
        method="post" if posted else "get",
        action=request.path,
        kept=kept,
        score=values.get("score", ""),
        comment=values.get("comment", "") if posted else None,
        attempt=attempt + 1,
        retry_in=wait if attempt < AUTOMATIC_RETRIES else None,
    )
    response.headers["Retry-After"] = str(wait)
    return response


def unavailable(error: Exception) -> WerkzeugResponse:
    """Answer 503 in the form the caller reads; log one line, not a stack trace."""
    log.warning("database unavailable: %s", describe(error))
    abandon_transaction()
    if request.blueprint in CUSTOMER_BLUEPRINTS:
        return _customer_page()
    if is_api(request):
        response = jsonify(
            error="unavailable",
            message="The database cannot be reached right now; try again shortly.",
        )
        response.status_code = 503
    else:
        # Without ``staff``, errors/error.html shows no staff navigation: it needs no user
        # from the database.
        response = WerkzeugResponse(
            render_template(
                "errors/error.html",
                code=503,
                title="Temporarily unavailable",
                message="The database cannot be reached right now. Please try again in a "
                "moment; nothing you saved before is lost.",
            ),
            503,
            mimetype="text/html",
        )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register(app: Flask) -> None:
    for error in UNAVAILABLE:
        app.register_error_handler(error, unavailable)
