"""Readable error pages for people and JSON errors for API clients; never a stack trace.

Staff get the app's own page: the staff navigation, a sentence saying what happened in
words (an ``abort`` that gives its own description keeps it; Werkzeug's stock texts are
replaced), and the way back: home, or sign-in when signed out, and "Go back" to the staff
page they came from on this site. Customers' pages (the survey, the embed, unsubscribing, the
re-survey) answer their own refusals in the customer's language; an error those blueprints
leave unanswered gets the bare page, without staff navigation. A stale staff form is sent
again rather than lost (``stale_form``).
"""

from __future__ import annotations

import math
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, TooManyRequests
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.extensions import limiter
from feedback_app.outage import abandon_transaction
from feedback_app.web.apis import api_of, is_api
from feedback_app.web.guards.limits import CUSTOMER_BLUEPRINTS

#: Each staff error's title and sentence when the error brings no words of its own.
WORDS = {
    400: (
        "This request could not be read",
        "What the page sent was not what it expects. Go back, reload the page and try again.",
    ),
    403: (
        "You cannot open this page",
        "Your account does not give access to this page. If you need it, ask an admin.",
    ),
    404: (
        "Page not found",
        "There is no page at this address. The link may be mistyped or out of date.",
    ),
    405: (
        "This page cannot be used that way",
        "This address does not take that kind of request. Go back and use the page's own "
        "buttons and links.",
    ),
    429: ("Too many requests", "Too many requests came from you in a short time."),
    500: (
        "Something went wrong",
        "The page failed on our side and the error was logged. Try again in a moment; if it "
        "keeps happening, tell your admin.",
    ),
}
#: Blueprints whose forms hold passwords: a stale one is never sent back in a page.
SECRET_BLUEPRINTS = frozenset({"auth", "account"})


def wait_words(seconds: float) -> str:
    """A wait as people say it, rounded up so that trying then works: "1 minute", "45
    minutes", "2 hours and 5 minutes"; under a minute, in seconds."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return "1 second" if whole == 1 else f"{whole} seconds"
    minutes = math.ceil(whole / 60)
    if minutes <= 60:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    hours, minutes = divmod(minutes, 60)
    said = "1 hour" if hours == 1 else f"{hours} hours"
    if minutes:
        said += " and 1 minute" if minutes == 1 else f" and {minutes} minutes"
    return said


def seconds_to_wait(error: HTTPException | None = None) -> float | None:
    """How long until the rate limit this request hit lets it through: until its window
    resets (``Retry-After`` is that, plus Flask-Limiter's second to spare), else the error's
    own ``Retry-After``."""
    limit = limiter.current_limit
    if limit is not None:
        return limit.window.reset_time - time.time()
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int):
        return retry_after
    return None


def try_again_in(error: HTTPException | None = None) -> str:
    """The sentence saying when the limit this request hit lets it through again."""
    seconds = seconds_to_wait(error)
    if seconds is None:
        return "Wait a minute and try again."
    return f"Try again in {wait_words(seconds)}."


def is_customer_request() -> bool:
    """Whether a customer's page asked: its blueprint, or, when no route matched, an address
    under one of theirs (``/s/…``, ``/embed/…``)."""
    if request.blueprint in CUSTOMER_BLUEPRINTS:
        return True
    first = request.path.lstrip("/").split("/", 1)[0]
    return bool(first) and first in _customer_segments(current_app)


def _customer_segments(app: Flask) -> frozenset[str]:
    key = "feedback.customer_segments"
    if key not in app.extensions:
        app.extensions[key] = frozenset(
            rule.rule.lstrip("/").split("/", 1)[0]
            for rule in app.url_map.iter_rules()
            if rule.endpoint.rpartition(".")[0] in CUSTOMER_BLUEPRINTS
        )
    return app.extensions[key]


def staff_referrer() -> str | None:
    """The staff page of this site the request came from (path and query), if any: the
    target of "Go back". Another host, a customer's page, the API or the page this very GET
    asked for is none."""
    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    here = request.method == "GET" and back == request.full_path.rstrip("?")
    if not parts.path.startswith("/") or here:
        return None
    try:
        endpoint, _ = current_app.url_map.bind(request.host).match(parts.path, method="GET")
    except RequestRedirect:
        return back
    except HTTPException:
        return None
    blueprint = str(endpoint).rpartition(".")[0]
    if blueprint in CUSTOMER_BLUEPRINTS or blueprint.split(".")[0] == "api":
        return None
    return back if endpoint != "static" else None


def staff_page(code: int, title: str, message: str, **context: Any) -> tuple[str, int]:
    """The staff error page: the navigation, what happened, and the way back."""
    return render_template(
        "errors/error.html",
        staff=True,
        code=code,
        title=title,
        message=message,
        back=staff_referrer(),
        **context,
    ), code


def bare_page(code: int, title: str, message: str) -> tuple[str, int]:
    """The error page without staff navigation, for the addresses customers open."""
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _words(error: HTTPException) -> tuple[str, str]:
    """The title and sentence of ``error`` on a staff page."""
    code = error.code or 500
    if code not in WORDS:
        return error.name, error.description or ""
    title, sentence = WORDS[code]
    if isinstance(error, TooManyRequests):
        return title, f"{sentence} {try_again_in(error)}"
    if error.description and error.description != type(error).description:
        sentence = error.description
    return title, sentence


def stale_form() -> tuple[str, int]:
    """A staff form sent with an expired or missing CSRF token: nothing is lost.

    The view cannot simply run again: some staff forms are read without a form class, so the
    token this refusal is about is their only check. Instead the page comes back with every
    field that was sent (but the token) in a form of hidden inputs with a fresh token, posting
    to the same address: "Send again" does what the stale form would have done, its view
    validating as usual. It is offered only when the form was sent from a page of this site
    (the ``Origin`` or ``Referer`` is ours, as a browser sends them): a form another site
    makes a signed-in browser send gets the page without it, so the offer never does the
    forgery's work. Forms holding passwords (``SECRET_BLUEPRINTS``) are not sent back in a page
    either: reloading them is as quick.

    A tab left open past the idle time is signed out too: the page then asks to sign in in
    a new tab first. Signing in keeps the browser's CSRF token, so the kept form, back in
    this tab, is sent signed in.
    """
    kept = [(name, value) for name, value in request.form.items(multi=True) if name != "csrf_token"]
    if (
        not kept
        or request.method != "POST"
        or request.blueprint in SECRET_BLUEPRINTS
        or not _sent_from_this_site()
    ):
        return staff_page(
            400,
            "This form had expired",
            "Nothing was saved. Go back, reload the page and send it again.",
        )
    message = (
        "This form had expired; check and send it again."
        if current_user.is_authenticated
        else "This form had expired and you were signed out. Sign in in a new tab, then come "
        "back here, check and send it again."
    )
    return staff_page(
        400, "This form had expired", message, resend=request.full_path.rstrip("?"), kept=kept
    )


def _sent_from_this_site() -> bool:
    """Whether a browser says the request comes from a page of this site."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        return False
    if request.headers.get("Sec-Fetch-Site") not in (None, "same-origin"):
        return False
    return bool(request.referrer) and urlsplit(request.referrer).netloc == request.host


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str | WerkzeugResponse, int]:
        if is_api(request):
            return jsonify(error="csrf", message=error.description), 400
        # Customers' blueprints are exempt from the global check: their forms check their own
        # tokens and say so in the customer's language. So every refusal here is staff's.
        return stale_form()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> WerkzeugResponse:
        response = current_app.make_response(_answer(error))
        # What the error says besides its body (``Allow`` of a 405, ``Retry-After``).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers.setdefault(name, value)
        return response

    def _answer(error: HTTPException) -> tuple[str | WerkzeugResponse, int]:
        code = error.code or 500
        api = api_of(request)
        if api is not None:
            return api.answer_error(error), code
        if is_customer_request():
            return bare_page(code, error.name, error.description or "")
        if isinstance(error, InternalServerError):
            # The failed work may have left the session's transaction unusable; the page's
            # navigation reads the signed-in user again.
            abandon_transaction()
        return staff_page(code, *_words(error))
