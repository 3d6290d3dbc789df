"""The Delighted API's plumbing: its blueprint, its keys, its inputs and its error shape.

Delighted's clients send the key as the HTTP Basic user name, with no password and with or
without the ``:`` (the Python client leaves it out); the key is one of our API keys, checked
for the scope the operation declares exactly as ``/api/v1`` checks it. Every route answers
with and without the ``.json`` suffix, as Delighted's did (its clients drop it). Bodies come
as JSON or, as in Delighted's curl examples, as a form (``properties[Plan]=Pro``); query
strings use the same brackets (``expand[]=person``), and a request without a body takes
its body's fields from the query string. Every refusal is written as Delighted
wrote it: ``{"status": 422, "message": …, "errors": {"email": ["is required"]}}``.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, NotRequired, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, request
from typing_extensions import TypedDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from feedback_app.extensions import limiter
from feedback_app.models import ApiScope
from feedback_app.outage import UNAVAILABLE, abandon_transaction
from feedback_app.web.api.errors import ApiError
from feedback_app.web.api.keys import check_key
from feedback_app.web.api.operations import PUBLIC, Readers, json_body, operation, operation_of
from feedback_app.web.guards.limits import body_limit
from feedback_app.web.inputs import Input
from feedback_app.web.unavailable import RETRY_AFTER_SECONDS
from surveys.tokens import hash_token

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

PREFIX = "/v1"
bp = Blueprint("delighted", __name__, url_prefix=PREFIX)
#: ``a[b][]``: a name and its bracketed keys; deeper than this, a key is kept as written.
BRACKETS_RE = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])+)")
KEY_RE = re.compile(r"\[([^\[\]]*)\]")
MAX_BRACKETS = 4
REALM = 'Basic realm="feedback"'


class DelightedError(TypedDict):
    """Every refusal, as Delighted wrote it."""

    status: int
    message: str
    #: Each bad field's dotted name and what is wrong with it.
    errors: NotRequired[dict[str, list[str]]]


def error_response(
    status: int,
    message: str,
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> WerkzeugResponse:
    body: DelightedError = {"status": status, "message": message}
    if errors:
        body["errors"] = {name: [problem] for name, problem in errors.items()}
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _api_error(error: ApiError) -> WerkzeugResponse:
    headers = {k: v for k, v in error.headers.items() if k != "WWW-Authenticate"}
    if error.status == 401:
        headers["WWW-Authenticate"] = REALM
    return error_response(error.status, error.message, error.errors, headers)


def http_error(error: HTTPException) -> WerkzeugResponse:
    """Routing and protocol errors (404, 405, 400…) in Delighted's shape."""
    status = error.code or 500
    if isinstance(error, RequestEntityTooLarge):
        message = f"the request body is larger than the {body_limit(request)} bytes accepted"
    else:
        message = error.description or HTTPStatus(status).phrase
    return error_response(status, message)


def _unavailable(error: Exception) -> WerkzeugResponse:
    abandon_transaction()
    return error_response(
        503,
        "The database cannot be reached right now; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _credential() -> str:
    """The key sent as the Basic user name: ``base64(key)`` or ``base64(key:)``."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise ApiError(401, "send your API key as the HTTP Basic user name")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(401, "the Authorization header is not valid Basic credentials") from None
    key = decoded.partition(":")[0].strip()
    if not key:
        raise ApiError(401, "send your API key as the HTTP Basic user name")
    return key


def _authorize() -> None:
    declared = operation_of(current_app.view_functions[request.endpoint or ""])
    if declared is None:
        raise LookupError(f"{request.endpoint} is under {PREFIX}/ but declares no operation")
    if declared.scope is not PUBLIC:
        g.api_key = check_key(_credential(), declared.scope)


def nest(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Form or query pairs as Rails reads them: ``a[]=1`` a list, ``a[b]=1`` an object.

    A name whose brackets conflict with an earlier one's (``a=1`` then ``a[b]=2``) replaces
    it, as the later value does in Rails; more than ``MAX_BRACKETS`` pairs of brackets are
    kept as a plain name.
    """
    result: dict[str, Any] = {}
    for raw, value in pairs:
        match = BRACKETS_RE.fullmatch(raw)
        keys = KEY_RE.findall(match[2]) if match else []
        if match is None or len(keys) > MAX_BRACKETS or "" in keys[:-1]:
            result[raw] = value
            continue
        target = result
        path = [match[1], *keys]
        for name, following in itertools.pairwise(path):
            container: Any = [] if following == "" else {}
            if not isinstance(target.get(name), type(container)):
                target[name] = container
            target = target[name]
            if following == "":
                target.append(value)
                break
        else:
            target[path[-1]] = value
    return result


def _body() -> tuple[dict[str, Any], bool]:
    if not request.get_data(cache=True):
        # No body: the parameters are in the query string, as Rails read them from either.
        # Delighted's Node client sends DELETE /autopilot/…/memberships's there, with
        # ``Content-Type: application/json`` and nothing after it.
        return _query()
    if request.is_json:
        return json_body(), False
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return nest(request.form.items(multi=True)), True
    raise ApiError(400, "the body must be JSON or a form")


def _query() -> tuple[dict[str, Any], bool]:
    # Repeated names: the last value, as Rails keeps it (``expand[]`` gathers them all).
    return nest(request.args.items(multi=True)), True


INPUTS = Readers(body=_body, query=_query)


def next_page(
    rows: list[T], per_page: int, cursor: Callable[[T], int]
) -> tuple[list[T], dict[str, str]]:
    """A page of a list paged by cursor, from ``per_page + 1`` rows: the page, and the
    ``Link: <…>; rel="next"`` header to the next one (none on the last), this request's URL
    with ``page_info`` set to the cursor of the page's last row."""
    page = rows[:per_page]
    if len(rows) <= per_page:
        return page, {}
    following = {**request.args.to_dict(), "page_info": str(cursor(page[-1]))}
    return page, {"Link": f'<{request.base_url}?{urlencode(following)}>; rel="next"'}


def route(
    method: str,
    rule: str,
    *,
    scope: ApiScope | None,
    answers: Mapping[int, Any],
    body: type[Input] | None = None,
    query: type[Input] | None = None,
    errors: tuple[int, ...] = (),
) -> Callable[[F], F]:
    """``operation`` on this blueprint, routed both as ``rule`` and as ``rule.json``; every
    one may answer 429 (``DELIGHTED_API_LIMIT``)."""

    def register(view: F) -> F:
        endpoint = operation(
            bp,
            method,
            rule,
            scope=scope,
            answers=answers,
            body=body,
            query=query,
            errors=(*errors, 429),
            readers=INPUTS,
        )(view)
        bp.add_url_rule(f"{rule}.json", view_func=endpoint, methods=[method])
        return endpoint

    return register


def _limit() -> str:
    return str(current_app.config["DELIGHTED_API_LIMIT"])


def _caller() -> str:
    """Whose requests are counted together: one key's (by its credentials, whether valid or
    not), else one address's."""
    credentials = request.headers.get("Authorization", "")
    return "key:" + hash_token(credentials) if credentials else f"address:{request.remote_addr}"


limiter.limit(_limit, key_func=_caller, scope="delighted")(bp)
bp.before_request(_authorize)
bp.register_error_handler(ApiError, _api_error)
bp.register_error_handler(HTTPException, http_error)
bp.register_error_handler(RequestEntityTooLarge, http_error)
for _error in UNAVAILABLE:
    bp.register_error_handler(_error, _unavailable)
