"""The OpenAPI 3.1 document, built from the operations' declarations and served to anyone.

The document says only what the API accepts and answers, no data, so it is served without a
key: client generators and test tools can fetch it before they hold one.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, get_args, get_origin

from flask import Blueprint, Flask, current_app
from pydantic import TypeAdapter

from feedback_app.web.api.errors import ErrorBody
from feedback_app.web.api.operations import PUBLIC, Operation, operation, operation_of
from feedback_app.web.inputs import MAX_INT

bp = Blueprint("openapi", __name__)

REF = "#/components/schemas/{model}"
#: The name of the security scheme each operation's scope refers to.
SCHEME = "bearer"
#: ``<id:case_id>`` in a rule: the converter (if any) and the argument's name.
ARGUMENT_RE = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
CONVERTER_SCHEMAS: dict[str | None, dict[str, Any]] = {
    "id": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    None: {"type": "string"},
    "string": {"type": "string"},
    "path": {"type": "string"},
}
#: Every error status an operation may answer, and what it means there.
ERRORS = {
    400: "The body is not JSON, not a JSON object, or nested too deeply.",
    401: "No key, or a key that is unknown, revoked or expired.",
    403: "The key lacks the scope this operation needs.",
    404: "There is no such resource.",
    413: "The request is larger than the server accepts.",
    422: "Fields or parameters are missing or invalid: `errors` names each one.",
    429: "Too many requests from this key; try again after `Retry-After` seconds.",
    503: "The database cannot be reached right now; try again after `Retry-After` seconds.",
}
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "An API key from `feedback api-key create NAME --scope ingest --scope read`. Each "
        "operation names the scope it needs; a key with the `admin` scope may do everything."
    ),
}


class Components:
    """The document's named schemas, gathered as operations refer to their types."""

    def __init__(self, error_body: Any) -> None:
        self.schemas: dict[str, Any] = {}
        self.error_body = error_body

    def schema(self, type_: Any, mode: str = "serialization") -> dict[str, Any]:
        """The JSON Schema of ``type_``, named in the components when it has a name."""
        schema = TypeAdapter(type_).json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        self.schemas.update(schema.pop("$defs", {}))
        name = _name(type_) if get_origin(type_) is not dict else None
        if name is None:
            return schema
        self.schemas[name] = {**schema, "title": name}
        return {"$ref": REF.format(model=name)}

    def json(self, type_: Any, description: str, mode: str = "serialization") -> dict[str, Any]:
        return {
            "description": description,
            "content": {"application/json": {"schema": self.schema(type_, mode)}},
        }


def _name(type_: Any) -> str | None:
    """A type's name in the components: ``Page[ResponseOut]`` is ``ResponseOutPage``."""
    arguments = get_args(type_)
    if arguments:
        return "".join(getattr(argument, "__name__", "") for argument in arguments) + (
            get_origin(type_).__name__
        )
    return getattr(type_, "__name__", None)


def document(
    app: Flask,
    prefix: str,
    info: dict[str, Any],
    *,
    security_scheme: dict[str, Any] = SECURITY_SCHEME,
    scheme: str = SCHEME,
    error_body: Any = ErrorBody,
) -> dict[str, Any]:
    """The OpenAPI document of every operation declared under ``prefix``: an API with another
    way to send keys or another error shape passes its own ``security_scheme`` and
    ``error_body``. An operation routed under several rules (``/people`` and
    ``/people.json``) is written once, under the first of them."""
    components = Components(error_body)
    paths: dict[str, dict[str, Any]] = {}
    written: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        declared = operation_of(app.view_functions[rule.endpoint])
        if not rule.rule.startswith(prefix) or declared is None or rule.endpoint in written:
            continue
        written.add(rule.endpoint)
        path = ARGUMENT_RE.sub(r"{\g<name>}", rule.rule)
        paths.setdefault(path, {})[declared.method.lower()] = _operation(
            declared, rule.rule, rule.endpoint, components, scheme
        )
    return {
        "openapi": "3.1.0",
        "info": info,
        "paths": paths,
        "components": {
            "schemas": components.schemas,
            "securitySchemes": {scheme: security_scheme},
        },
    }


def _operation(
    declared: Operation, rule: str, endpoint: str, components: Components, scheme: str
) -> dict[str, Any]:
    summary, _, description = (declared.view.__doc__ or "").strip().partition("\n")
    path_arguments = list(ARGUMENT_RE.finditer(rule))
    parameters = [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": CONVERTER_SCHEMAS[match["converter"]],
        }
        for match in path_arguments
    ]
    if declared.query is not None:
        parameters += _query_parameters(declared.query, components)
    answer: dict[str, Any] = {
        "operationId": endpoint.rsplit(".", 1)[-1],
        "summary": _dedent(summary),
        "parameters": parameters,
        "responses": {
            str(status): components.json(type_, HTTPStatus(status).phrase)
            for status, type_ in declared.answers.items()
        },
    }
    scope_note = ""
    if declared.scope is PUBLIC:
        answer["security"] = []
    else:
        answer["security"] = [{scheme: [str(declared.scope)]}]
        scope_note = f"Needs a key with the `{declared.scope}` scope (or `admin`)."
    answer["description"] = "\n\n".join(part for part in (_dedent(description), scope_note) if part)
    if declared.body is not None:
        answer["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": components.schema(declared.body, "validation")}
            },
        }
    for status in sorted(_error_statuses(declared, bool(path_arguments))):
        answer["responses"][str(status)] = components.json(components.error_body, ERRORS[status])
    for status in ("429", "503"):
        if status in answer["responses"]:
            answer["responses"][status]["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
            }
    return answer


def _error_statuses(declared: Operation, has_path_arguments: bool) -> set[int]:
    statuses = set(declared.errors)
    if declared.body is not None:
        statuses |= {400, 413, 422}
    if declared.query is not None:
        statuses.add(422)
    if has_path_arguments:
        statuses.add(404)
    if declared.scope is not PUBLIC:
        statuses |= {401, 403, 503}
    return statuses


def _query_parameters(model: Any, components: Components) -> list[dict[str, Any]]:
    schema = TypeAdapter(model).json_schema(ref_template=REF, mode="validation")
    components.schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        field = _without_null(field)
        description = field.pop("description", None)
        field.pop("title", None)
        if field.get("default", 0) is None:
            del field["default"]
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field,
        }
        if description:
            parameter["description"] = description
        if field.get("type") == "array":
            parameter.update(style="form", explode=False)
        parameters.append(parameter)
    return parameters


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is never null: keep the other branch of ``X | None``."""
    options = [option for option in schema.get("anyOf", ()) if option != {"type": "null"}]
    if len(options) == 1:
        rest = {key: value for key, value in schema.items() if key != "anyOf"}
        return {**options[0], **rest}
    return dict(schema)


def _dedent(text: str) -> str:
    """A docstring as Markdown: no indentation, ``code`` in single backticks."""
    return "\n".join(line.strip() for line in text.strip().splitlines()).replace("``", "`")


@operation(bp, "GET", "/openapi.json", scope=PUBLIC, answers={200: dict[str, Any]})
def openapi_json() -> dict[str, Any]:
    """This document: every operation, what it accepts and what it may answer."""
    cached = current_app.extensions.get("feedback.openapi")
    if cached is None:
        cached = document(
            current_app,
            "/api/v1",
            {
                "title": "Feedback API",
                "version": "1",
                "description": "Surveys after support interactions, their answers, follow-up "
                "cases and the metrics made of them.",
            },
        )
        current_app.extensions["feedback.openapi"] = cached
    return cached
