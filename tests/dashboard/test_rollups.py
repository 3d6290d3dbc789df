"""The score rollups follow every write, and a rebuild from the responses agrees with them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from feedback_app.extensions import db
from feedback_app.models import Invitation, Response, ScoreRollup
from feedback_app.models.metrics import SCORE_COLUMNS
from feedback_app.services.responses import lock_invitation, record_response
from feedback_app.services.rollups import rebuild_rollups, rollup_differences
from feedback_app.services.settling import settle_answers
from surveys.answers import ResponseSource


def stored() -> dict[tuple[str, str, str], dict[int, int]]:
    """Non-zero counts per (dimension, day, value), across surveys."""
    result: dict[tuple[str, str, str], dict[int, int]] = {}
    for row in db.session.scalars(sa.select(ScoreRollup)):
        counts = {
            score: getattr(row, column)
            for score, column in enumerate(SCORE_COLUMNS)
            if getattr(row, column)
        }
        if counts:
            result[(row.dimension.value, row.day.isoformat(), row.value)] = counts
    return result


def test_each_answer_counts_once_per_dimension(answer: Callable[..., Response], clock) -> None:
    first = answer("csat", 5, channel="chat", team="Billing", agent="ann")
    answer("csat", 2, channel="chat", team="Billing", agent="ann")
    answer("csat", 4, channel=None)
    answer("csat", 4, channel="phone", at=clock.now + timedelta(days=1))
    team, agent = str(first.team_id), str(first.agent_id)
    assert stored() == {
        ("all", "2026-03-02", ""): {2: 1, 4: 1, 5: 1},
        ("channel", "2026-03-02", "Chat"): {2: 1, 5: 1},
        ("channel", "2026-03-02", ""): {4: 1},
        ("team", "2026-03-02", team): {2: 1, 5: 1},
        ("team", "2026-03-02", ""): {4: 1},
        ("agent", "2026-03-02", agent): {2: 1, 5: 1},
        ("agent", "2026-03-02", ""): {4: 1},
        ("all", "2026-03-03", ""): {4: 1},
        ("channel", "2026-03-03", "Phone"): {4: 1},
        ("team", "2026-03-03", ""): {4: 1},
        ("agent", "2026-03-03", ""): {4: 1},
    }
    assert rollup_differences() == []


def test_an_edit_moves_the_count_from_the_old_score_to_the_new(
    answer: Callable[..., Response], clock
) -> None:
    response = answer("nps", 3, channel="email")
    invitation = db.session.get(Invitation, response.invitation_id)
    clock.advance(days=2)
    record_response(
        response.survey,
        "10",
        None,
        clock.now,
        source=ResponseSource.PAGE,
        invitation=lock_invitation(invitation),
    )
    assert stored()[("all", "2026-03-02", "")] == {3: 1}
    assert rollup_differences() == []
    assert settle_answers() == 1
    assert stored()[("all", "2026-03-02", "")] == {10: 1}
    assert stored()[("channel", "2026-03-02", "Email")] == {10: 1}
    assert rollup_differences() == []


def test_rebuild_restores_rollups_written_behind_the_services_back(
    answer: Callable[..., Response],
) -> None:
    response = answer("ces", 6, channel="social")
    answer("ces", 2, channel="social")
    before = stored()
    db.session.execute(sa.update(Response).where(Response.id == response.id).values(score=7))
    db.session.commit()
    stale, fresh = "(0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0)", "(0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0)"
    survey = response.survey_id
    assert rollup_differences() == [
        f"{dimension} 2026-03-02 survey {survey} {value}: stored {stale}, responses give {fresh}"
        for dimension, value in (
            ("agent", "-"),
            ("all", "-"),
            ("channel", "Social media"),
            ("team", "-"),
        )
    ]
    assert rebuild_rollups() == 4
    db.session.commit()
    assert rollup_differences() == []
    assert stored() == {key: {2: 1, 7: 1} for key in before}


def test_rollup_rows_read_back_as_dates(answer: Callable[..., Response]) -> None:
    answer("csat", 3)
    rebuild_rollups()
    assert {row.day for row in db.session.scalars(sa.select(ScoreRollup))} == {date(2026, 3, 2)}


def test_rollups_commands(answer: Callable[..., Response], runner: FlaskCliRunner) -> None:
    response = answer("csat", 1, channel="chat")
    result = runner.invoke(args=["rollups", "check"])
    assert (result.exit_code, result.output) == (
        0,
        "rollups agree with the responses and interactions\n",
    )
    db.session.execute(sa.delete(ScoreRollup).where(ScoreRollup.value == "Chat"))
    db.session.commit()
    result = runner.invoke(args=["rollups", "check"])
    assert result.exit_code == 1
    assert result.output == (
        f"channel 2026-03-02 survey {response.survey_id} Chat: stored None, responses give"
        " (0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)\n"
        "Error: 1 rollup rows differ; run: feedback rollups rebuild\n"
    )
    result = runner.invoke(args=["rollups", "rebuild"])
    # The answer's interaction: one support row per dimension (all, channel, team, agent,
    # topic) for its day and one for its month, and no histogram (it has no durations).
    assert (result.exit_code, result.output) == (
        0,
        "rebuilt 4 rollup rows\nrebuilt 10 support rollup rows\n",
    )
    assert runner.invoke(args=["rollups", "check"]).exit_code == 0
