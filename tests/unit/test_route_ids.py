"""Ids in paths: the route's pattern takes exactly the ids a column holds, so a path with any
other number is a 404 for every method, never a 405 from Werkzeug's method check."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from feedback_app.web.guards.values import MAX_ID, digits_up_to, whole_number


@given(maximum=st.integers(1, MAX_ID), number=st.integers(0, 10 * MAX_ID))
def test_the_pattern_takes_the_numbers_up_to_the_maximum(maximum: int, number: int) -> None:
    assert bool(re.fullmatch(digits_up_to(maximum), str(number))) == (1 <= number <= maximum)


@given(maximum=st.integers(1, MAX_ID), text=st.text("0123456789٣²", max_size=14))
def test_what_the_pattern_takes_the_converter_reads(maximum: int, text: str) -> None:
    if re.fullmatch(digits_up_to(maximum), text):
        assert whole_number(text, maximum) == int(text)


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/v1/survey_responses/0"), ("GET", "/review/responses/2147483648")],
)
def test_an_id_out_of_range_is_not_found_whatever_the_method(
    client: FlaskClient, method: str, path: str
) -> None:
    answer = client.open(path, method=method, data=b"\x00", content_type="application/json")
    assert answer.status_code == 404
