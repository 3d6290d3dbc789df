"""The pages that say why a request was refused: the customer's own page in their language,
the staff error page, or the API's JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.services.invitations import find_by_token
from feedback_app.web.answering import message_page
from feedback_app.web.errors import staff_page
from feedback_app.web.guards.input import NUL, MalformedInput, Oddity
from feedback_app.web.guards.limits import CUSTOMER_BLUEPRINTS, body_limit

#: What a customer page's refusal shows besides its words: ``message_page``'s keywords
#: (the survey for its colours and language, the origins that may frame it).
PageContext = Callable[[], dict[str, Any]]


def too_large(error: RequestEntityTooLarge) -> tuple[str | WerkzeugResponse, int]:
    """The 413 of staff pages and the API (customer pages have their own, ``customer_pages``)."""
    limit = body_limit(request)
    if "api" in request.blueprints:
        return jsonify(
            error="too_large",
            message=f"the request body is larger than the {limit} bytes the API accepts",
            limit_bytes=limit,
        ), 413
    return staff_page(
        413,
        "Too much sent",
        f"The form sent is larger than the {limit} bytes this page accepts. "
        "Nothing was saved; go back and send less.",
    )


def customer_pages(bp: Blueprint, context: PageContext) -> None:
    """Make ``bp`` a customer blueprint: its body limit is ``PUBLIC_MAX_BODY_BYTES``, and an
    oversized or malformed request gets a readable page in the customer's language.

    :param context: called for the refusal page, in the request: sets ``g.locale`` and returns
        ``message_page``'s keywords; an ``HTTPException`` (the link is unknown) gives a plain
        page instead.
    """
    CUSTOMER_BLUEPRINTS.add(bp.name)

    def refused(error: HTTPException) -> WerkzeugResponse:
        details: dict[str, Any] = {}
        if NUL not in request.path:
            try:
                details = context()
            except HTTPException:
                details = {}
        title, message = _customer_words(error)
        return message_page(error.code or 400, title, message, **details)

    bp.register_error_handler(RequestEntityTooLarge, refused)
    bp.register_error_handler(MalformedInput, refused)


def _customer_words(error: HTTPException) -> tuple[str, str]:
    if isinstance(error, MalformedInput):
        if error.oddity is Oddity.FILE:
            reason = gettext("It was sent as a file. Please go back and type it in instead.")
        else:
            reason = gettext(
                "It holds a character that cannot be saved. Please go back, check what you "
                "wrote and send it again."
            )
        return gettext("What you sent could not be read"), reason
    return gettext("What you sent is too long"), gettext(
        "Nothing was saved. Please go back, shorten what you wrote and send it again."
    )


def invitation_context() -> dict[str, Any]:
    """The ``PageContext`` of the pages an invitation's token opens (``/s/…``, ``/u/…``)."""
    invitation = find_by_token(str((request.view_args or {}).get("token", "")))
    if invitation is None:
        return {}
    g.locale = invitation.customer.locale
    return {"survey": invitation.survey}
