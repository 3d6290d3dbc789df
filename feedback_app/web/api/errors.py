"""The API's error answers: one JSON shape for every refusal, naming each bad field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NotRequired

from flask import jsonify
from typing_extensions import TypedDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

#: The ``error`` code of each status that has one of its own; any other is ``invalid``.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "request_entity_too_large",
    503: "unavailable",
}


class ErrorBody(TypedDict):
    """What every refusal answers."""

    #: A short code: ``bad_request``, ``unauthorized``, ``forbidden``, ``not_found``,
    #: ``invalid``, ``unavailable``…
    error: str
    message: str
    #: Each bad field's dotted name (``customer.email``) and what is wrong with it.
    errors: NotRequired[dict[str, str]]


class ApiError(Exception):
    """An error answer: ``errors`` maps each bad field to what is wrong with it."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: Mapping[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.code = CODES.get(status, "invalid")


def error_answer(error: ApiError) -> WerkzeugResponse:
    body: ErrorBody = {"error": error.code, "message": error.message}
    if error.errors:
        body["errors"] = error.errors
    response = jsonify(body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def http_error(error: HTTPException) -> WerkzeugResponse:
    """A routing or protocol error (404 under /api/, 405, 413…), named by its status."""
    return jsonify(error=error.name.lower().replace(" ", "_"), message=error.description)
