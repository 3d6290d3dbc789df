"""How the dashboard shows figures, draws its chart and writes CSV cells."""

from __future__ import annotations

from datetime import date

import pytest

from feedback_app.services.metrics import Interval
from feedback_app.web.charts import PeriodName, Segment, line_chart, period_name
from feedback_app.web.csv_export import csv_rows, safe_cell
from surveys.figures import format_change, format_duration, format_margin, format_value, interval_of
from surveys.metrics import Estimate, mean_of, proportion


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (45.4, "45 s"),
        (720, "12 min"),
        (12000, "3 h 20 min"),
        (3600, "1 h"),
        (187200, "2 d 4 h"),
        (172800, "2 d"),
    ],
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
    assert format_change(Estimate(900.2, 2), Estimate(900.0, 1), "duration") == "no change"
    assert format_change(proportion(1, 3), proportion(2, 6), "percent") == "no change"
    assert format_change(Estimate(-0.04, 9), Estimate(0.0, 9), "points") == "no change"
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
    full, partial = PeriodName("2 Feb", "Week of 2 Feb 2026", False), PeriodName("", "", True)
    chart = line_chart(
        [
            (PeriodName("26 Jan", "W1", False), Estimate(-100.0, 40, -100.0, -90.0)),
            (full, Estimate(100.0, 2, 50.0, 100.0)),
            (full, Estimate(None, 0)),
            (full, Estimate(0.0, 1)),
            (partial, Estimate(50.0, 3, 50.0, 50.0)),
        ],
        (-100.0, 100.0),
        str,
    )
    assert chart.segments == [
        Segment(20.0, 212.0, 260.0, 0.0, False),
        Segment(740.0, 106.0, 980.0, 53.0, True),
    ]
    assert [(p.x, p.label, p.text, p.low_sample, p.partial) for p in chart.points] == [
        (2.0, "W1", "-100.0", False, False),
        (26.0, "Week of 2 Feb 2026", "100.0", True, False),
        (74.0, "Week of 2 Feb 2026", "0.0", True, False),
        (98.0, "", "50.0", True, True),
    ]
    assert chart.bands == ["20.0,201.4 260.0,0.0 260.0,53.0 20.0,212.0"]
    assert chart.whiskers == []
    assert chart.zero == 118.0
    assert chart.any_partial is True
    assert [label for _, label in chart.y_ticks] == ["-100", "-50", "0", "50", "100"]
    assert chart.x_labels == [
        (2.0, "26 Jan", "start", True),
        (26.0, "2 Feb", "middle", False),
        (50.0, "2 Feb", "middle", True),
        (74.0, "2 Feb", "middle", False),
        (98.0, "", "end", True),
    ]


def test_a_lone_interval_is_a_whisker_and_a_zero_width_one_is_none() -> None:
    name = PeriodName("2 Feb", "2 Feb 2026", False)
    chart = line_chart(
        [(name, Estimate(0.0, 40, -10.0, 10.0)), (name, Estimate(100.0, 2, 100.0, 100.0))],
        (-100.0, 100.0),
        str,
    )
    assert chart.bands == []
    assert chart.whiskers == [(2.0, pytest.approx(107.4), pytest.approx(128.6))]
    assert interval_of(Estimate(100.0, 2, 100.0, 100.0)) is None
    assert format_margin(Estimate(100.0, 2, 100.0, 100.0), "points") == ""
    assert format_margin(Estimate(100.0, 2, 20.0, 100.0), "points") == "± 40.0"


@pytest.mark.parametrize(
    ("since", "until", "interval", "name"),
    [
        (date(2026, 2, 2), date(2026, 2, 8), Interval.WEEK, ("2 Feb", "Week of 2 Feb 2026", False)),
        (
            date(2026, 2, 4),
            date(2026, 2, 8),
            Interval.WEEK,
            ("2 Feb", "Week of 2 Feb 2026 (partial)", True),
        ),
        (
            date(2026, 3, 2),
            date(2026, 3, 2),
            Interval.WEEK,
            ("2 Mar", "Week of 2 Mar 2026 (partial)", True),
        ),
        (date(2026, 2, 1), date(2026, 2, 28), Interval.MONTH, ("Feb", "February 2026", False)),
        (
            date(2026, 1, 5),
            date(2026, 1, 31),
            Interval.MONTH,
            ("Jan", "January 2026 (partial)", True),
        ),
        (date(2026, 2, 9), date(2026, 2, 9), Interval.DAY, ("9 Feb", "9 Feb 2026", False)),
        (date(2026, 3, 2), date(2026, 3, 2), Interval.DAY, ("2 Mar", "2 Mar 2026 (partial)", True)),
    ],
)
def test_periods_are_named_by_their_dates(
    since: date, until: date, interval: Interval, name: tuple[str, str, bool]
) -> None:
    """The report's own end (today, 2 March) leaves its period unfinished."""
    assert period_name(since, until, interval, date(2026, 3, 2)) == PeriodName(*name)
