"""The Delighted API's fixtures."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.delighted.delighted_calls import Delighted


@pytest.fixture
def delighted(client: FlaskClient, make_api_key: Callable[..., str]) -> Delighted:
    return Delighted(client, make_api_key("ingest read admin", name="delighted"))
