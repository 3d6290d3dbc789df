"""Declaring an API operation: its route, the scope its key needs, its inputs and its answers.

One declaration per route::

    @operation(bp, "POST", "/interactions", scope=ApiScope.INGEST, body=InteractionIn,
               answers={202: InteractionAnswer, 200: InteractionAnswer})
    def create_interaction(body: InteractionIn) -> ...

adds the route, has its key checked for the scope (by the API's blueprint, before anything
else), reads the JSON body and the query string into their models before the view runs (a 400
or a 422 naming every bad field), and is what the OpenAPI document is built from. A test walks
every rule under /api/ and fails on one without a declaration.

This is our own thin decorator over pydantic rather than spectree, flask-openapi3 or a
flask-smorest-style framework, because each of those owns what we must keep: flask-openapi3
replaces the Flask app and blueprints with its own classes and writes validation errors in one
app-wide format; spectree owns the request parsing and the 422 body and knows nothing of key
scopes, so a route would need a second declaration; flask-smorest is built on marshmallow. What
is left to write is small: reading the body (with pydantic's JSON parser, whose depth limit
turns 100,000 nested arrays into a 400 where the standard library's raises RecursionError),
turning pydantic's errors into our dotted names, and walking the URL map into the document. A
second API (another prefix, another way to send keys, another error shape) reuses all of it
with its own blueprint, authentication and error handler.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pydantic_core
from flask import Blueprint, request

from feedback_app.models import ApiScope
from feedback_app.web.api.errors import ApiError
from feedback_app.web.inputs import Input, InvalidInput, read_input

F = TypeVar("F", bound=Callable[..., Any])

#: The scope of an operation anyone may call without a key (the OpenAPI document).
PUBLIC = None
#: pydantic's JSON parser refuses documents nested deeper than this.
MAX_DEPTH = 200


@dataclass(frozen=True)
class Operation:
    method: str
    #: What the caller's key must allow; ``PUBLIC`` for no key at all.
    scope: ApiScope | None
    #: The JSON body's model, passed to the view as ``body``.
    body: type[Input] | None
    #: The query string's model, passed to the view as ``query``.
    query: type[Input] | None
    #: Each success status and the type of its JSON answer.
    answers: Mapping[int, Any]
    #: Error statuses the view itself answers besides those the declaration implies.
    errors: tuple[int, ...]
    view: Callable[..., Any]


@dataclass(frozen=True)
class Readers:
    """How an API takes its inputs from a request: each reader returns the values and
    whether they are text (a query string, a form) whose numbers and flags are parsed."""

    body: Callable[[], tuple[dict[str, Any], bool]]
    query: Callable[[], tuple[dict[str, Any], bool]]


def operation(
    bp: Blueprint,
    method: str,
    rule: str,
    *,
    scope: ApiScope | None,
    answers: Mapping[int, Any],
    body: type[Input] | None = None,
    query: type[Input] | None = None,
    errors: tuple[int, ...] = (),
    readers: Readers | None = None,
) -> Callable[[F], F]:
    """Declare ``method rule`` on ``bp`` and read its inputs for the view (with ``readers``,
    this API's own; a JSON body and a flat query string by default)."""
    read = readers or JSON_INPUTS

    def register(view: F) -> F:
        declared = Operation(method, scope, body, query, answers, errors, view)

        @functools.wraps(view)
        def endpoint(**path: Any) -> Any:
            inputs: dict[str, Input] = {}
            try:
                if body is not None:
                    data, text = read.body()
                    inputs["body"] = read_input(body, data, from_text=text)
                if query is not None:
                    data, text = read.query()
                    inputs["query"] = read_input(query, data, from_text=text)
            except InvalidInput as error:
                raise ApiError(422, error.message, error.errors) from None
            return view(**path, **inputs)

        endpoint.operation = declared  # type: ignore[attr-defined]
        bp.add_url_rule(rule, view_func=endpoint, methods=[method])
        return endpoint  # type: ignore[return-value]

    return register


def operation_of(view: Callable[..., Any]) -> Operation | None:
    """The declaration of a view made by ``operation``, if it was."""
    return getattr(view, "operation", None)


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 saying why it is not one."""
    if not request.is_json:
        raise ApiError(400, "the body must be JSON with Content-Type: application/json")
    try:
        data = pydantic_core.from_json(request.get_data(cache=True), allow_inf_nan=False)
    except ValueError as error:
        if "recursion limit" in str(error):
            raise ApiError(400, f"the body is nested more than {MAX_DEPTH} levels deep") from None
        raise ApiError(400, f"the body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    return data


#: The inputs of our own API: a JSON body, and a query string of single values.
JSON_INPUTS = Readers(
    body=lambda: (json_body(), False), query=lambda: (request.args.to_dict(), True)
)
