"""The JSON API under /api/v1: bearer-key auth, JSON errors naming each bad field, paging.

Each resource lives in its own module with its own blueprint, nested under the ``api``
blueprint so the key check and the error format apply to all of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.audit.key_use import count_key_use
from feedback_app.clock import utcnow
from feedback_app.extensions import csrf, db
from feedback_app.models import ApiKey
from surveys.tokens import hash_token


class ApiError(Exception):
    """An error answer: ``errors`` maps each bad field to what is wrong with it."""

    def __init__(
        self, status: int, message: str, errors: Mapping[str, str] | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = dict(errors or {})
        self.code = code or {400: "bad_request", 401: "unauthorized", 404: "not_found"}.get(
            status, "invalid"
        )


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 saying why it is not one."""
    if not request.is_json:
        raise ApiError(400, "the body must be JSON with Content-Type: application/json")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "the body is not valid JSON")
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    return data


def page_params() -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` from the query string, validated."""
    errors = {}
    values = {}
    limit = current_app.config["API_MAX_PAGE_SIZE"]
    for name, default, top in (
        ("page", 1, None),
        ("per_page", current_app.config["API_PAGE_SIZE"], limit),
    ):
        raw = request.args.get(name, str(default))
        if not raw.isdigit() or int(raw) < 1:
            errors[name] = "must be a positive whole number"
        elif top is not None and int(raw) > top:
            errors[name] = f"must be at most {top}"
        else:
            values[name] = int(raw)
    if errors:
        raise ApiError(422, "invalid paging", errors)
    return values["page"], values["per_page"]


def paginated(query: sa.Select[Any], serialize: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """One page of ``query``'s rows, serialized, with the totals a client needs to page on."""
    page, per_page = page_params()
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": [serialize(row) for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": math.ceil(total / per_page) if total else 0,
    }


def _authenticate() -> WerkzeugResponse | None:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return _unauthorized("send your API key as 'Authorization: Bearer <key>'")
    api_key = db.session.scalar(
        sa.select(ApiKey).where(
            ApiKey.key_hash == hash_token(key.strip()), ApiKey.revoked_at.is_(None)
        )
    )
    if api_key is None:
        return _unauthorized("the API key is not valid")
    api_key.last_used_at = utcnow()
    g.api_key = api_key
    count_key_use(api_key)
    return None


def _unauthorized(message: str) -> WerkzeugResponse:
    response = jsonify(error="unauthorized", message=message)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="feedback"'
    return response


def _api_error(error: ApiError) -> tuple[WerkzeugResponse, int]:
    body: dict[str, Any] = {"error": error.code, "message": error.message}
    if error.errors:
        body["errors"] = error.errors
    return jsonify(body), error.status


def register_api(app: Flask, children: list[Blueprint]) -> None:
    """Mount ``children`` under /api/v1 behind the key check; CSRF does not apply to keys."""
    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.before_request(_authenticate)
    csrf.exempt(api)
    for child in children:
        api.register_blueprint(child)
        csrf.exempt(child)
    app.register_error_handler(ApiError, _api_error)
    app.register_blueprint(api)
