"""How the dashboard shows figures, draws its chart and writes CSV cells."""

from __future__ import annotations

import pytest

from feedback_app.web.charts import line_chart
from feedback_app.web.csv_export import csv_rows, safe_cell
from feedback_app.web.dashboard import format_change, format_duration, format_margin, format_value
from surveys.metrics import Estimate, mean_of, proportion


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (45.4, "45 s"), (720, "12 min"), (12000, "3 h 20 min"), (187200, "2 d 4 h")],
)
def test_durations(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_values_changes_and_margins() -> None:
    assert format_value(None, "percent") == "No data"
    assert format_value(0.0, "percent") == "0.0%"
    assert format_value(-12.345, "points") == "-12.3"
    assert format_value(5.8333, "mean") == "5.83"
    assert format_change(proportion(3, 4), proportion(1, 2), "percent") == "+25.0 pts"
    assert format_change(proportion(1, 4), proportion(1, 2), "percent") == "-25.0 pts"
    assert format_change(Estimate(60.0, 2), Estimate(180.0, 2), "duration") == "-2 min"
    assert format_change(Estimate(1.0, 1), Estimate(None, 0), "points") == "no comparison"
    assert format_margin(proportion(8, 10), "percent") == "± 22.7 pts"
    assert format_margin(mean_of([60.0, 120.0, 180.0]), "duration") == "52 s to 3 min"
    assert format_margin(Estimate(1.0, 1), "mean") == ""


def test_csv_cells_that_would_be_formulas_are_prefixed() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+1", "-x", "@SUM(A1)", "\tx", "ok", -5, 2.5)] == [
        "'=1+1",
        "'+1",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "ok",
        -5,
        2.5,
    ]
    assert "".join(csv_rows(["a", "b"], [["=x", -1]])) == "a,b\r\n'=x,-1\r\n"


def test_chart_leaves_gaps_for_periods_without_data() -> None:
    chart = line_chart(
        [
            ("W1", Estimate(-100.0, 40, -100.0, -90.0)),
            ("W2", Estimate(100.0, 2, 50.0, 100.0)),
            ("W3", Estimate(None, 0)),
            ("W4", Estimate(0.0, 1)),
        ],
        (-100.0, 100.0),
        str,
    )
    assert chart.lines == ["48.0,220.0 266.7,16.0", "704.0,118.0"]
    assert [(p.label, p.text, p.low_sample) for p in chart.points] == [
        ("W1", "-100.0", False),
        ("W2", "100.0", True),
        ("W4", "0.0", True),
    ]
    assert chart.points[0].y_high == pytest.approx(209.8)
    assert chart.points[2].y_low is None
    assert chart.zero == 118.0
    assert [label for _, label in chart.y_ticks] == ["-100", "-50", "0", "50", "100"]
    assert [label for _, label in chart.x_labels] == ["W1", "W2", "W3", "W4"]
