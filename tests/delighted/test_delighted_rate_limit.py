"""Over ``FEEDBACK_DELIGHTED_API_LIMIT`` a key gets 429 with ``Retry-After``, without which
Delighted's Python client would fail with a KeyError instead of its TooManyRequestsError."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.delighted.delighted_calls import Delighted
from tests.helpers import Served

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    import delighted


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "DELIGHTED_API_LIMIT": "2 per minute"}


def test_a_key_over_the_limit_is_told_when_to_come_back(
    delighted: Delighted, make_api_key: Callable[..., str]
) -> None:
    for _ in range(2):
        assert delighted.get("metrics").status_code == 200
    refused = delighted.get("metrics")
    assert (refused.status_code, refused.json) == (
        429,
        {"status": 429, "message": "2 per 1 minute"},
    )
    # Seconds to the end of the minute the first request opened: the limiter's real time.
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Limit"] == "2"
    other = Delighted(delighted.client, make_api_key("read", name="other"))
    assert other.get("metrics").status_code == 200


def test_the_official_client_raises_its_own_error(
    app: Flask, make_api_key: Callable[..., str]
) -> None:
    served = Served(app)
    try:
        client = delighted.Client(api_key=make_api_key("read"), api_base_url=f"{served.url}/v1/")
        delighted.Metrics.retrieve(client=client)
        delighted.Metrics.retrieve(client=client)
        with pytest.raises(delighted.errors.TooManyRequestsError) as raised:
            delighted.Metrics.retrieve(client=client)
        assert 0 < raised.value.retry_after <= 60
    finally:
        served.close()
