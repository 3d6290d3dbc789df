"""schemathesis sends each operation inputs drawn from the OpenAPI document, valid and not,
and checks every answer against the document: no 5xx, only documented status codes, bodies
of the documented shape and JSON content type. Derandomized and bounded, so it is repeatable
and bounded to about a minute per database. The document itself is left out: schemathesis
does not test the operation that serves it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from feedback_app.extensions import db
from feedback_app.models import Invitation
from feedback_app.services.settling import settle_answers
from tests.delighted.delighted_calls import basic
from tests.helpers import store_answer

#: Not ``negative_data_rejection`` nor ``positive_data_acceptance``: unknown fields and query
#: parameters are ignored by design, and a valid-looking email may still be refused by
#: email-validator, so those would flag what the README promises.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
#: Examples per operation and mode: about a minute per database here.
EXAMPLES = 25


@pytest.fixture
def full_key(make_api_key: Callable[..., str]) -> str:
    return make_api_key("ingest read admin")


@pytest.fixture
def api_schema(app: Flask, full_key: str, clock: Any) -> Any:
    """The live app's document, with a response, a case and an unsubscribe to list."""
    client = app.test_client()
    auth = {"Authorization": f"Bearer {full_key}"}
    posted = client.post(
        "/api/v1/interactions",
        json={"external_id": "T-1", "customer": {"email": "casey@example.com"}, "team": "Tech"},
        headers=auth,
    )
    invitation = db.session.get(Invitation, posted.json["invitation"]["id"])
    assert invitation is not None
    store_answer(invitation, 1, clock.now, comment="Slow")
    settle_answers()
    client.post("/api/v1/unsubscribes", json={"email": "pat@example.com"}, headers=auth)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def check_every_operation(schema: Any, auth: dict[str, str], mode: GenerationMode) -> list[str]:
    """Run every operation of ``schema`` with ``auth``; returns their labels."""
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(mode))
        def answer_matches(case: Any) -> None:
            case.call_and_validate(headers=auth, checks=CHECKS)

        answer_matches()
    return [operation.label for operation in operations]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_matches_the_document(
    api_schema: Any, full_key: str, mode: GenerationMode
) -> None:
    """Inputs that fit the document (positive) and that do not (negative), for every
    operation, with a key that has every scope."""
    labels = check_every_operation(api_schema, {"Authorization": f"Bearer {full_key}"}, mode)
    assert len(labels) == 22, labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_delighted_answer_matches_its_document(
    api_schema: Any, app: Flask, full_key: str, mode: GenerationMode
) -> None:
    """The same for the Delighted-compatible API, with its Basic credentials."""
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    labels = check_every_operation(schema, basic(full_key), mode)
    assert len(labels) == 15, labels
