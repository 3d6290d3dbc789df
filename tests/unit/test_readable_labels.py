"""Labels and figures as staff read them: CES buckets by effort, CSV cells as people write."""

from __future__ import annotations

from typing import Any

import pytest

from feedback_app.web.csv_export import readable_cell
from surveys.bucketing import BUCKET_CHOICES, Bucket, bucket_label
from surveys.kinds import SurveyKind


@pytest.mark.parametrize(
    ("bucket", "kind", "label"),
    [
        (Bucket.SATISFIED, SurveyKind.CES, "easy"),
        (Bucket.UNSATISFIED, SurveyKind.CES, "difficult"),
        (Bucket.SATISFIED, SurveyKind.CSAT, "satisfied"),
        (Bucket.UNSATISFIED, SurveyKind.CSAT, "unsatisfied"),
        (Bucket.DETRACTOR, SurveyKind.NPS, "detractor"),
    ],
)
def test_a_ces_bucket_reads_as_effort(bucket: Bucket, kind: SurveyKind, label: str) -> None:
    assert bucket_label(bucket, kind) == label


def test_the_bucket_filter_names_what_each_kind_calls_a_bucket() -> None:
    assert dict(BUCKET_CHOICES) == {
        "promoter": "Promoter",
        "passive": "Passive",
        "detractor": "Detractor",
        "satisfied": "Satisfied (CSAT) or easy (CES)",
        "unsatisfied": "Unsatisfied (CSAT) or difficult (CES)",
    }


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (True, "yes"),
        (False, "no"),
        (42.857142857, 42.86),
        (-100.0, -100),
        (0.004, 0),
        (7, 7),
        (None, None),
        ("True", "True"),
    ],
)
def test_csv_cells_read_as_people_write_them(value: Any, written: Any) -> None:
    assert readable_cell(value) == written
