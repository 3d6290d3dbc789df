"""Calling the Delighted API as Delighted's clients do: the key as the Basic user name."""

from __future__ import annotations

import base64
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse


def basic(key: str, colon: bool = False) -> dict[str, str]:
    """The Python client's header (``base64(key)``), or Ruby's and Node's (``key:``)."""
    credential = f"{key}:" if colon else key
    return {"Authorization": "Basic " + base64.b64encode(credential.encode()).decode()}


class Delighted:
    """The test client with a Delighted-style key."""

    def __init__(self, client: FlaskClient, key: str) -> None:
        self.client = client
        self.key = key

    def __call__(self, method: str, path: str, **options: Any) -> TestResponse:
        headers = {**basic(self.key), **options.pop("headers", {})}
        return self.client.open(f"/v1/{path}", method=method, headers=headers, **options)

    def get(self, path: str, **options: Any) -> TestResponse:
        return self("GET", path, **options)

    def post(self, path: str, body: Any = None, **options: Any) -> TestResponse:
        return self("POST", path, json=body, **options)
