"""The JSON API under /api/v1: bearer keys with scopes, inputs and answers declared once.

Each resource lives in its own module with its own blueprint, nested under the ``api``
blueprint, which checks each operation's key before its view runs and writes every refusal
in one shape. Routes are declared with ``operations.operation`` (route, scope, inputs and
answers together), from which ``openapi`` builds the document at /api/v1/openapi.json.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, g, request
from werkzeug.routing import IntegerConverter

from feedback_app.extensions import csrf
from feedback_app.web.api import openapi
from feedback_app.web.api.errors import ApiError, error_answer, http_error
from feedback_app.web.api.keys import authenticate
from feedback_app.web.api.operations import PUBLIC, operation_of
from feedback_app.web.apis import Api, declare_api
from feedback_app.web.guards.values import digits_up_to
from feedback_app.web.inputs import MAX_INT


class DatabaseId(IntegerConverter):
    """``<id:name>``: a row id, 1 to 2**31 - 1 in ASCII digits; anything else is a 404."""

    regex = digits_up_to(MAX_INT)

    def __init__(self, map: object) -> None:
        super().__init__(map, min=1, max=MAX_INT)  # type: ignore[arg-type]


def _authorize() -> None:
    """Check the key against the scope the matched operation declares."""
    declared = operation_of(current_app.view_functions[request.endpoint or ""])
    if declared is None:
        raise LookupError(f"{request.endpoint} is under /api/ but declares no operation")
    if declared.scope is not PUBLIC:
        g.api_key = authenticate(declared.scope)


def register_api(app: Flask, children: list[Blueprint]) -> None:
    """Mount ``children`` under /api/v1 behind the key check; CSRF does not apply to keys."""
    app.url_map.converters["id"] = DatabaseId
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(_authorize)
    api.register_error_handler(ApiError, error_answer)
    csrf.exempt(api)
    for child in [openapi.bp, *children]:
        api.register_blueprint(child)
        csrf.exempt(child)
    app.register_blueprint(api)
    declare_api(app, Api("api", "/api/", http_error))
