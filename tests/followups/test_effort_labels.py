"""A CES answer reads as effort (easy, difficult) on staff pages, in CSVs and in emails."""

from __future__ import annotations

import csv
import io
import re

from flask.testing import FlaskClient

from tests.followups.conftest import Answer, Org, SignIn
from tests.followups.support import case_of, outbox


def visible(html: str) -> str:
    """The page's text, without its tags and their attributes."""
    return re.sub(r"<[^>]+>", " ", html)


def test_a_difficult_ces_answer_is_never_called_unsatisfied(
    client: FlaskClient, answer: Answer, org: Org, sign_in: SignIn
) -> None:
    response = answer(2, kind="ces", comment="Took four calls")
    case = case_of(response)
    sign_in(org.manager)

    queue = visible(client.get("/followups/").text)
    assert "CES, difficult" in queue and "unsatisfied" not in queue
    assert "Unsatisfied (CSAT) or difficult (CES)" in queue
    assert "(CES, difficult)" in client.get(f"/followups/{case.id}").text
    listed = client.get("/dashboard/responses?kind=ces&since=2026-02-01&until=2026-03-02").text
    assert "<td>difficult</td>" in listed and "unsatisfied" not in visible(listed)

    export = client.get(
        "/dashboard/export/responses.csv?kind=ces&since=2026-02-01&until=2026-03-02"
    )
    [row] = list(csv.DictReader(io.StringIO(export.text)))
    assert (row["kind"], row["score"], row["bucket"]) == ("ces", "2", "difficult")

    alert = outbox("followup_alert")[0]
    assert "CES 2/7 (difficult)" in alert.payload["text"]


def test_a_ces_survey_settings_speak_of_effort(
    client: FlaskClient, answer: Answer, org: Org, sign_in: SignIn
) -> None:
    response = answer(6, kind="ces")
    sign_in(org.admin)
    page = client.get(f"/admin/surveys/{response.survey_id}").text
    assert "Lowest easy score" in page
    assert "are easy; lower ones difficult." in page
    assert "With these thresholds: <strong>easy: 5-7 · difficult: 1-4</strong>" in page
