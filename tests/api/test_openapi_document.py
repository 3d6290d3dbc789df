"""GET /api/v1/openapi.json: an OpenAPI 3.1 document of every operation, made from the same
declarations that read the inputs, with its scope and every status it may answer."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

ERROR = {"$ref": "#/components/schemas/ErrorBody"}


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    return answer.json


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def test_the_document_lists_every_operation_with_its_scope(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {label: op["security"] for label, op in operations(document).items()} == {
        "POST /api/v1/agent-time": [{"bearer": ["ingest"]}],
        "POST /api/v1/bounces": [{"bearer": ["ingest"]}],
        "GET /api/v1/followups": [{"bearer": ["read"]}],
        "PATCH /api/v1/followups/{case_id}": [{"bearer": ["ingest"]}],
        "GET /api/v1/interactions": [{"bearer": ["read"]}],
        "POST /api/v1/interactions": [{"bearer": ["ingest"]}],
        "GET /api/v1/metrics": [{"bearer": ["read"]}],
        "GET /api/v1/metrics/retention": [{"bearer": ["read"]}],
        "GET /api/v1/metrics/support": [{"bearer": ["read"]}],
        "GET /api/v1/metrics/utilization": [{"bearer": ["read"]}],
        "GET /api/v1/openapi.json": [],
        "POST /api/v1/people": [{"bearer": ["ingest"]}],
        "DELETE /api/v1/people/{email}": [{"bearer": ["admin"]}],
        "GET /api/v1/people/{email}/export": [{"bearer": ["admin"]}],
        "GET /api/v1/responses": [{"bearer": ["read"]}],
        "GET /api/v1/surveys": [{"bearer": ["admin"]}],
        "GET /api/v1/surveys/{survey_id}": [{"bearer": ["admin"]}],
        "PUT /api/v1/surveys/{survey_id}": [{"bearer": ["admin"]}],
        "GET /api/v1/targets": [{"bearer": ["read"]}],
        "PUT /api/v1/targets": [{"bearer": ["admin"]}],
        "GET /api/v1/themes": [{"bearer": ["read"]}],
        "GET /api/v1/unsubscribes": [{"bearer": ["read"]}],
        "POST /api/v1/unsubscribes": [{"bearer": ["ingest"]}],
    }
    ids = [op["operationId"] for op in operations(document).values()]
    assert len(ids) == len(set(ids))


def test_each_operation_lists_every_status_it_may_answer(document: dict[str, Any]) -> None:
    statuses = {label: sorted(op["responses"]) for label, op in operations(document).items()}
    body = ["400", "401", "403", "413", "422", "503"]
    assert statuses == {
        "POST /api/v1/agent-time": sorted(["200", *body]),
        "POST /api/v1/bounces": sorted(["201", *body]),
        "GET /api/v1/followups": ["200", "401", "403", "422", "503"],
        "PATCH /api/v1/followups/{case_id}": sorted(["200", "404", *body]),
        "GET /api/v1/interactions": ["200", "401", "403", "422", "503"],
        "POST /api/v1/interactions": sorted(["200", "202", *body]),
        "GET /api/v1/metrics": ["200", "401", "403", "422", "503"],
        "GET /api/v1/metrics/retention": ["200", "401", "403", "422", "503"],
        "GET /api/v1/metrics/support": ["200", "401", "403", "422", "503"],
        "GET /api/v1/metrics/utilization": ["200", "401", "403", "422", "503"],
        "GET /api/v1/openapi.json": ["200"],
        "POST /api/v1/people": sorted(["200", "202", *body]),
        "DELETE /api/v1/people/{email}": ["200", "401", "403", "404", "422", "503"],
        "GET /api/v1/people/{email}/export": ["200", "401", "403", "404", "422", "503"],
        "GET /api/v1/responses": ["200", "401", "403", "422", "503"],
        "GET /api/v1/surveys": ["200", "401", "403", "422", "503"],
        "GET /api/v1/surveys/{survey_id}": ["200", "401", "403", "404", "503"],
        "PUT /api/v1/surveys/{survey_id}": sorted(["200", "404", *body]),
        "GET /api/v1/targets": ["200", "401", "403", "503"],
        "PUT /api/v1/targets": sorted(["200", *body]),
        "GET /api/v1/themes": ["200", "401", "403", "422", "503"],
        "GET /api/v1/unsubscribes": ["200", "401", "403", "422", "503"],
        "POST /api/v1/unsubscribes": sorted(["200", "201", *body]),
    }
    patch = operations(document)["PATCH /api/v1/followups/{case_id}"]
    assert patch["responses"]["422"]["content"]["application/json"]["schema"] == ERROR
    assert patch["responses"]["503"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert patch["parameters"] == [
        {
            "name": "case_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        }
    ]
    assert patch["description"].endswith("Needs a key with the `ingest` scope (or `admin`).")


def test_bodies_and_answers_are_described_by_their_models(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    interaction = schemas["InteractionIn"]
    assert interaction["required"] == ["external_id", "customer"]
    assert interaction["properties"]["customer"] == {"$ref": "#/components/schemas/CustomerIn"}
    assert interaction["properties"]["delay_seconds"]["anyOf"][0] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 2592000,
    }
    assert schemas["CustomerIn"]["required"] == ["email"]
    assert schemas["ErrorBody"]["required"] == ["error", "message"]
    assert schemas["ErrorBody"]["properties"]["errors"] == {
        "additionalProperties": {"type": "string"},
        "title": "Errors",
        "type": "object",
    }
    answer = operations(document)["POST /api/v1/interactions"]["responses"]["202"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InteractionAnswer"
    }
    assert set(schemas["InteractionAnswer"]["required"]) == {
        "interaction_id",
        "invitation",
        "reason",
        "suppressed_invitation_id",
        "routing",
    }
    assert schemas["InteractionIn"]["properties"]["tags"]["anyOf"][0] == {
        "type": "array",
        "maxItems": 100,
        "items": {"type": "string", "maxLength": 200},
    }
    assert schemas["ResponseOutPage"]["properties"]["items"] == {
        "items": {"$ref": "#/components/schemas/ResponseOut"},
        "title": "Items",
        "type": "array",
    }


def test_query_parameters_are_declared_like_bodies(document: dict[str, Any]) -> None:
    parameters = {p["name"]: p for p in operations(document)["GET /api/v1/followups"]["parameters"]}
    assert list(parameters) == ["page", "per_page", "status", "bucket", "owner", "overdue"]
    assert parameters["page"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 2**31 - 1,
        "default": 1,
    }
    assert (parameters["status"]["style"], parameters["status"]["explode"]) == ("form", False)
    assert parameters["overdue"] == {
        "name": "overdue",
        "in": "query",
        "required": False,
        "schema": {"type": "boolean"},
    }
    metrics = {p["name"]: p for p in operations(document)["GET /api/v1/metrics"]["parameters"]}
    assert metrics["kind"]["required"] is True
    assert metrics["kind"]["schema"]["enum"] == ["csat", "ces", "nps"]
    assert metrics["property"]["description"] == "The customer property to group by."


def test_the_delighted_api_has_a_document_of_its_own(client: FlaskClient) -> None:
    answer = client.get("/v1/openapi.json")
    assert (answer.status_code, answer.mimetype) == (200, "application/json")
    document = answer.json
    assert document["components"]["securitySchemes"]["basic"]["scheme"] == "basic"
    assert {label: op["security"] for label, op in operations(document).items()} == {
        "GET /v1/openapi.json": [],
        "GET /v1/autopilot/email": [{"basic": ["read"]}],
        "GET /v1/autopilot/email/memberships": [{"basic": ["read"]}],
        "POST /v1/autopilot/email/memberships": [{"basic": ["ingest"]}],
        "DELETE /v1/autopilot/email/memberships": [{"basic": ["ingest"]}],
        "GET /v1/bounces": [{"basic": ["read"]}],
        "GET /v1/metrics": [{"basic": ["read"]}],
        "GET /v1/people": [{"basic": ["read"]}],
        "POST /v1/people": [{"basic": ["ingest"]}],
        "DELETE /v1/people/{identifier}": [{"basic": ["admin"]}],
        "GET /v1/survey_responses": [{"basic": ["read"]}],
        "POST /v1/survey_responses": [{"basic": ["ingest"]}],
        "GET /v1/survey_responses/{response_id}": [{"basic": ["read"]}],
        "PUT /v1/survey_responses/{response_id}": [{"basic": ["ingest"]}],
        "GET /v1/unsubscribes": [{"basic": ["read"]}],
        "POST /v1/unsubscribes": [{"basic": ["ingest"]}],
    }
    statuses = {label: sorted(op["responses"]) for label, op in operations(document).items()}
    query = ["200", "401", "403", "422", "429", "503"]
    body = ["400", "401", "403", "413", "422", "429", "503"]
    assert statuses == {
        "GET /v1/openapi.json": ["200"],
        "GET /v1/autopilot/email": ["200", "401", "403", "429", "503"],
        "GET /v1/autopilot/email/memberships": query,
        "POST /v1/autopilot/email/memberships": ["200", *body],
        "DELETE /v1/autopilot/email/memberships": sorted(["202", "404", *body]),
        "GET /v1/bounces": query,
        "GET /v1/metrics": query,
        "GET /v1/people": query,
        "POST /v1/people": ["200", *body],
        "DELETE /v1/people/{identifier}": ["202", "401", "403", "404", "422", "429", "503"],
        "GET /v1/survey_responses": query,
        "POST /v1/survey_responses": ["201", *body],
        "GET /v1/survey_responses/{response_id}": sorted([*query, "404"]),
        "PUT /v1/survey_responses/{response_id}": sorted(["200", "404", *body]),
        "GET /v1/unsubscribes": query,
        "POST /v1/unsubscribes": ["200", *body],
    }
    error = document["components"]["schemas"]["DelightedError"]
    assert error["required"] == ["status", "message"]
    assert error["properties"]["errors"]["additionalProperties"] == {
        "items": {"type": "string"},
        "type": "array",
    }
    listing = operations(document)["GET /v1/survey_responses"]
    assert listing["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert parameters["per_page"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
    }
    assert parameters["since"]["schema"]["type"] == "integer"
    assert parameters["expand"]["schema"]["items"]["enum"] == ["person", "notes"]
