"""Readable error pages for people and JSON errors for API clients; never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse


def wants_json() -> bool:
    return request.path.startswith("/api/")


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
