"""Readable error pages for people and JSON errors for API clients; never a stack trace."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

#: ``app.extensions`` key: the path prefix of each other JSON API, and how it writes an error
#: for a path under it that no route matched (``answer_errors_under``).
OTHER_APIS = "feedback.other_apis"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def answer_errors_under(
    app: Flask, prefix: str, answer: Callable[[HTTPException], WerkzeugResponse]
) -> None:
    """Have ``answer`` write the errors of paths under ``prefix`` that no route matched (a
    matched route's errors are its blueprint's to write)."""
    app.extensions.setdefault(OTHER_APIS, {})[prefix] = answer


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str | WerkzeugResponse, int]:
        if wants_json():
            return jsonify(error="csrf", message=error.description), 400
        return (
            render_template(
                "errors/error.html",
                code=400,
                title="This form has expired",
                message="Please go back, reload the page and try again.",
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | WerkzeugResponse, int]:
        code = error.code or 500
        for prefix, answer in current_app.extensions.get(OTHER_APIS, {}).items():
            if request.path.startswith(prefix):
                return answer(error), code
        if wants_json():
            return jsonify(
                error=error.name.lower().replace(" ", "_"), message=error.description
            ), code
        return (
            render_template(
                "errors/error.html", code=code, title=error.name, message=error.description
            ),
            code,
        )
