"""The support rollups against the raw interactions: random interactions and edits, posted
through the ingest service and settled by the worker's job; proportions and means exact,
medians within the stated bound."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import downgrade, upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_app.extensions import db
from feedback_app.ingest.interactions import InteractionInput, ingest_interaction
from feedback_app.ingest.people import AgentInput, CustomerInput
from feedback_app.models import (
    Customer,
    Interaction,
    Response,
    ScoreRollup,
    SupportHistogram,
    SupportRollup,
)
from feedback_app.services.metrics import GroupBy, Period, score_report
from feedback_app.services.rollups import rebuild_rollups, rollup_differences
from feedback_app.services.support.figures import SupportGroupBy, support_report
from feedback_app.services.support.rollups import (
    rebuild_support_rollups,
    support_rollup_differences,
)
from feedback_app.services.support.settling import backlog, settle_interactions
from surveys import SurveyKind, channels
from surveys.metrics import Contact, opened_by_customer, proportion, resolved_at_first_contact
from surveys.support import (
    MEDIAN_BOUND,
    ContactMeasures,
    exact_support_figures,
    first_response_time,
    handle_time,
    volume_figure,
    whole_seconds,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = timedelta(days=7)
PLANS = ("free", "pro", None)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {"SEGMENTS": ["plan"], "METRICS_MIN_N": 1}


def post(number: int, **fields: Any) -> None:
    customer = fields.pop("customer", None)
    plan = fields.pop("plan", None)
    agent = fields.pop("agent", None)
    ingest_interaction(
        InteractionInput(
            external_id=f"T-{number}",
            customer=None
            if customer is None
            else CustomerInput(
                email=f"c{customer}@example.com",
                properties={"plan": plan} if plan else None,
            ),
            agent=None if agent is None else AgentInput(email=f"{agent}@example.com"),
            **fields,
        ),
        START,
    )


def settle_all() -> None:
    while settle_interactions():
        pass


# --- The oracle: the figures straight from the rows ------------------------------------------


def _key(row: Interaction, group_by: SupportGroupBy | None) -> str:
    if group_by is None:
        return ""
    if group_by is SupportGroupBy.PROPERTY:
        value = row.customer.properties.get("plan") if row.customer else None
        return value if isinstance(value, str) else ""
    value = {
        SupportGroupBy.CHANNEL: row.channel,
        SupportGroupBy.TEAM: row.team_id,
        SupportGroupBy.AGENT: row.agent_id,
        SupportGroupBy.TOPIC: row.topic,
    }[group_by]
    return "" if value is None else str(value)


def exact_figures(
    since: date, until: date, group_by: SupportGroupBy | None
) -> dict[str, dict[str, Any]]:
    """Every group's figures computed from the interactions, with exact medians: volume and
    abandonment of those opened in the period, the rest of those counted in it (resolved in
    it, or opened in it when unresolved)."""
    rows = db.session.scalars(sa.select(Interaction)).all()
    opened = opened_by_customer(
        Contact(r.customer_id, r.opened_at or r.created_at) for r in rows if r.customer_id
    )
    openings: dict[str, list[bool]] = defaultdict(list)
    closings: dict[str, list[ContactMeasures]] = defaultdict(list)
    for row in rows:
        start = row.opened_at or row.created_at
        key = _key(row, group_by)
        if since <= start.date() <= until:
            openings[key].append(row.answered)
        if not (row.answered and since <= (row.resolved_at or start).date() <= until):
            continue
        contact = Contact(row.customer_id or 0, start, row.resolved_at, row.first_contact_resolved)
        judged = row.first_contact_resolved is not None or row.resolved_at is not None
        closings[key].append(
            ContactMeasures(
                first_contact=resolved_at_first_contact(contact, opened, WINDOW)
                if judged
                else None,
                talk=row.talk_seconds,
                hold=row.hold_seconds,
                after_work=row.after_work_seconds,
                handle=handle_time(
                    row.talk_seconds, row.hold_seconds, row.after_work_seconds, row.handle_seconds
                ),
                resolution=whole_seconds(start, row.resolved_at),
                first_response=first_response_time(
                    start, row.first_response_at, row.first_response_seconds
                ),
            )
        )
    figures = {}
    for key in openings.keys() | closings.keys():
        result = exact_support_figures(closings.get(key, []), 1)
        answered = openings.get(key, [])
        result["volume"] = volume_figure(len(answered), 1)
        result["abandonment"] = proportion(answered.count(False), len(answered), 1)
        figures[key] = result
    return figures


def assert_matches(since: date, until: date, group_by: SupportGroupBy | None) -> None:
    report = support_report(
        since, until, group_by=group_by, property_name="plan" if group_by else None, min_n=1
    )
    exact = exact_figures(since, until, group_by)
    ours = {"": report.figures} if group_by is None else {g.key: g.figures for g in report.groups}
    if group_by is None:
        exact.setdefault("", exact_support_figures([], 1))
    assert set(ours) == set(exact)
    for key, truth in exact.items():
        mine = ours[key]
        for name in EXACT:
            assert (mine[name].n, mine[name].value) == (
                truth[name].n,
                pytest.approx(truth[name].value),
            ), (key, name)
        for name in ("resolution_median", "first_response_median"):
            assert mine[name].n == truth[name].n
            if truth[name].value is not None:
                bound = MEDIAN_BOUND * truth[name].value + 1e-9
                assert abs(mine[name].value - truth[name].value) <= bound


#: The figures the rollups give exactly (means and proportions).
EXACT = (
    "volume",
    "abandonment",
    "fcr",
    "handle_time",
    "talk_time",
    "hold_time",
    "after_work_time",
    "resolution_mean",
    "first_response_mean",
)


# --- Random interactions and edits ----------------------------------------------------------

minutes = st.integers(min_value=0, max_value=60 * 24 * 70)
interaction = st.fixed_dictionaries(
    {
        "customer": st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
        "plan": st.sampled_from(PLANS),
        "channel": st.sampled_from(sorted(channels.FORMER.values())),
        "agent": st.one_of(st.none(), st.sampled_from(["ann", "bob"])),
        "team": st.one_of(st.none(), st.sampled_from(["Tier 1", "Tier 2"])),
        "topic": st.one_of(st.none(), st.sampled_from(["Billing", "Bugs"])),
        "answered": st.booleans(),
        "opened": minutes,
        "resolve_after": st.one_of(st.none(), st.integers(min_value=0, max_value=60 * 24 * 12)),
        "respond_after": st.one_of(st.none(), st.integers(min_value=0, max_value=600)),
        "response_seconds": st.one_of(st.none(), st.integers(min_value=0, max_value=5000)),
        "talk": st.one_of(st.none(), st.integers(min_value=0, max_value=3600)),
        "hold": st.one_of(st.none(), st.integers(min_value=0, max_value=600)),
        "handle": st.one_of(st.none(), st.integers(min_value=0, max_value=7200)),
        "flag": st.one_of(st.none(), st.booleans()),
    }
)


def fields_of(spec: dict[str, Any]) -> dict[str, Any]:
    opened = START + timedelta(minutes=spec["opened"])
    return {
        "customer": spec["customer"],
        "plan": spec["plan"],
        "channel": spec["channel"],
        "agent": spec["agent"],
        "team": spec["team"],
        "topic": spec["topic"],
        "answered": spec["answered"],
        "opened_at": opened,
        "resolved_at": None
        if spec["resolve_after"] is None
        else opened + timedelta(minutes=spec["resolve_after"]),
        "first_response_at": None
        if spec["respond_after"] is None
        else opened + timedelta(minutes=spec["respond_after"]),
        "first_response_seconds": spec["response_seconds"],
        "talk_seconds": spec["talk"],
        "hold_seconds": spec["hold"],
        "handle_seconds": spec["handle"],
        "first_contact_resolved": spec["flag"],
    }


PERIODS = (
    (date(2026, 1, 1), date(2026, 3, 31)),  # whole months
    (date(2026, 1, 10), date(2026, 2, 20)),  # a month and days either side
    (date(2026, 2, 3), date(2026, 2, 9)),  # days only
)


def test_rollups_match_the_rows_for_random_interactions_and_edits(app: Flask) -> None:
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        st.lists(interaction, min_size=1, max_size=12),
        st.lists(st.tuples(st.integers(min_value=0, max_value=11), interaction), max_size=6),
        st.booleans(),
    )
    def check(
        posts: list[dict[str, Any]], edits: list[tuple[int, dict[str, Any]]], settle_between: bool
    ) -> None:
        for model in (Response, Interaction, Customer, SupportRollup, SupportHistogram):
            db.session.execute(sa.delete(model))
        db.session.commit()
        for number, spec in enumerate(posts):
            post(number, **fields_of(spec))
        if settle_between:
            settle_all()
        for index, spec in edits:
            post(index % len(posts), **fields_of(spec))
        settle_all()
        assert backlog()[0] == 0
        assert support_rollup_differences() == []
        for since, until in PERIODS:
            for group_by in (None, *SupportGroupBy):
                assert_matches(since, until, group_by)

    check()


# --- First contact resolution undone by a later contact -------------------------------------


def test_a_later_contact_moves_the_earlier_days_fcr(app: Flask) -> None:
    day = START + timedelta(days=9)
    post(1, customer=1, opened_at=day, resolved_at=day + timedelta(hours=1))
    settle_all()
    fcr = support_report(date(2026, 1, 10), date(2026, 1, 10), min_n=1).figures["fcr"]
    assert (fcr.value, fcr.n) == (100.0, 1)
    # The customer comes back three days later: the first one was not resolved after all.
    post(2, customer=1, opened_at=day + timedelta(days=3))
    settle_all()
    fcr = support_report(date(2026, 1, 10), date(2026, 1, 10), min_n=1).figures["fcr"]
    assert (fcr.value, fcr.n) == (0.0, 1)
    row = db.session.scalar(
        sa.select(SupportRollup).where(
            SupportRollup.dimension == "all", SupportRollup.day == date(2026, 1, 10)
        )
    )
    assert (row.fcr_n, row.fcr_yes, row.volume) == (1, 0, 1)
    # The later contact moves out of the window: the resolution counts again.
    post(2, customer=1, opened_at=day + timedelta(days=30))
    settle_all()
    fcr = support_report(date(2026, 1, 10), date(2026, 1, 10), min_n=1).figures["fcr"]
    assert (fcr.value, fcr.n) == (100.0, 1)
    assert support_rollup_differences() == []


def test_the_helpdesk_flag_wins_over_the_repeat_rule(app: Flask) -> None:
    day = START + timedelta(days=9)
    post(1, customer=1, opened_at=day, resolved_at=day, first_contact_resolved=True)
    post(2, customer=1, opened_at=day + timedelta(days=1))
    settle_all()
    fcr = support_report(date(2026, 1, 10), date(2026, 1, 10), min_n=1).figures["fcr"]
    assert (fcr.value, fcr.n) == (100.0, 1)


# --- Segments -------------------------------------------------------------------------------


def test_a_customer_changing_plan_moves_their_contacts(app: Flask) -> None:
    post(1, customer=1, plan="free", opened_at=START, resolved_at=START + timedelta(hours=2))
    post(2, customer=2, plan="pro", opened_at=START)
    post(3, opened_at=START)  # anonymous: in no segment
    settle_all()
    report = support_report(
        START.date(), START.date(), group_by=SupportGroupBy.PROPERTY, property_name="plan"
    )
    assert {g.key: g.figures["volume"].n for g in report.groups} == {"free": 1, "pro": 1, "": 1}
    assert not report.from_rows
    post(4, customer=1, plan="pro", opened_at=START + timedelta(days=20))
    settle_all()
    report = support_report(
        START.date(), START.date(), group_by=SupportGroupBy.PROPERTY, property_name="plan"
    )
    assert {g.key: g.figures["volume"].n for g in report.groups} == {"pro": 2, "": 1}
    assert support_rollup_differences() == []


def test_an_undeclared_property_is_read_from_the_rows_with_the_same_figures(
    app: Flask,
) -> None:
    for number in range(6):
        opened = START + timedelta(hours=number)
        post(
            number,
            customer=number % 3,
            plan=PLANS[number % 3],
            opened_at=opened,
            resolved_at=opened + timedelta(minutes=17 * (number + 1)),
        )
    settle_all()
    declared = support_report(
        START.date(), START.date(), group_by=SupportGroupBy.PROPERTY, property_name="plan"
    )
    app.config["SEGMENTS"] = []
    from_rows = support_report(
        START.date(), START.date(), group_by=SupportGroupBy.PROPERTY, property_name="plan"
    )
    assert from_rows.from_rows and not declared.from_rows
    assert [g.key for g in from_rows.groups] == [g.key for g in declared.groups]
    for ours, theirs in zip(declared.groups, from_rows.groups, strict=True):
        assert ours.figures["fcr"] == theirs.figures["fcr"]
        assert ours.figures["resolution_mean"] == theirs.figures["resolution_mean"]
        exact = theirs.figures["resolution_median"].value
        assert ours.figures["resolution_median"].value == pytest.approx(exact, rel=MEDIAN_BOUND)


def test_scores_by_a_declared_segment_follow_the_customer(
    app: Flask, answer: Callable[..., Response]
) -> None:
    period = Period(date(2026, 3, 1), date(2026, 3, 2))
    answer("csat", 5, email="a@example.com", properties={"plan": "pro"})
    answer("csat", 1, email="b@example.com", properties={"plan": "free"})
    answer("csat", 2, email="c@example.com", properties={"plan": 3})
    report = score_report(SurveyKind.CSAT, period, group_by=GroupBy.PROPERTY, property_name="plan")
    # A property that is not text (3) puts its customer in no segment.
    assert {g.key: g.figures["csat"].n for g in report.groups} == {"pro": 1, "free": 1, "none": 1}
    assert not report.from_rows
    ingest_interaction(
        InteractionInput(
            external_id="T-b",
            customer=CustomerInput(email="b@example.com", properties={"plan": "pro"}),
        ),
        START,
    )
    assert rollup_differences() == []
    report = score_report(SurveyKind.CSAT, period, group_by=GroupBy.PROPERTY, property_name="plan")
    assert {g.key: g.figures["csat"].n for g in report.groups} == {"pro": 2, "none": 1}
    rows = db.session.scalars(
        sa.select(ScoreRollup).where(
            ScoreRollup.dimension == "segment", ScoreRollup.value == "free"
        )
    ).all()
    assert [sum(getattr(r, f"s{score}") for score in range(11)) for r in rows] == [0]


# --- Rebuild and the commands ---------------------------------------------------------------


def test_rebuild_recounts_interactions_written_behind_the_services_back(
    app: Flask, runner: FlaskCliRunner
) -> None:
    post(1, customer=1, opened_at=START, resolved_at=START + timedelta(hours=3))
    settle_all()
    db.session.execute(
        sa.update(Interaction).values(resolved_at=START + timedelta(hours=5), unsettled=False)
    )
    db.session.commit()
    result: Result = runner.invoke(args=["rollups", "check"])
    assert result.exit_code == 1
    assert "interaction " in result.output
    assert "Error: " in result.output
    assert rebuild_support_rollups() > 0
    db.session.commit()
    assert support_rollup_differences() == []
    mean = support_report(START.date(), START.date(), min_n=1).figures["resolution_mean"]
    assert mean.value == 5 * 3600


# --- The migration --------------------------------------------------------------------------


def test_interactions_from_before_the_upgrade_are_kept_and_counted(
    app: Flask, answer: Callable[..., Response]
) -> None:
    """Migration 0906 keeps every interaction and score rollup, and leaves the interactions
    for the worker to count; segments declared afterwards are counted by a rebuild."""
    app.config["SEGMENTS"] = []
    answer("csat", 4, channel="chat", agent="ann", properties={"plan": "pro"})
    db.session.execute(sa.delete(SupportRollup))
    db.session.commit()
    db.session.remove()
    downgrade(revision="0801")
    try:
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("interactions")}
        assert "topic" not in columns
    finally:
        upgrade()
    interaction = db.session.scalars(sa.select(Interaction)).one()
    assert (interaction.unsettled, interaction.answered, interaction.counted) == (True, True, None)
    assert rollup_differences() == []
    assert settle_interactions() == 1
    assert support_rollup_differences() == []
    volume = support_report(date(2026, 3, 2), date(2026, 3, 2)).figures["volume"]
    assert volume.n == 1
    app.config["SEGMENTS"] = ["plan"]
    assert len(rollup_differences()) == 1
    assert len(support_rollup_differences()) == 1  # its entry, counted with no segment
    rebuild_rollups()
    rebuild_support_rollups()
    assert (rollup_differences(), support_rollup_differences()) == ([], [])


def test_a_rebuild_keeps_the_histograms_the_worker_kept(app: Flask) -> None:
    """Interactions closing out of the order they opened, across days and a month's end: the
    rebuild's one ordered pass writes the same histogram rows as settling them one by one."""
    resolved = (
        timedelta(days=40, hours=2),
        timedelta(hours=1),
        timedelta(days=31, minutes=5),
        timedelta(days=1, seconds=30),
        timedelta(hours=1),
    )
    for number, after in enumerate(resolved, start=1):
        opened = START + timedelta(days=number, hours=number)
        post(
            number,
            customer=number,
            agent=f"agent{number % 2}",
            channel="chat",
            plan=PLANS[number % 3],
            opened_at=opened,
            first_response_at=opened + timedelta(minutes=number),
            resolved_at=opened + after,
        )
    settle_all()
    columns = (*SupportHistogram.__table__.primary_key.columns, SupportHistogram.buckets)
    kept = db.session.execute(sa.select(*columns).order_by(*columns[:-1])).all()
    assert len(kept) > 40
    rebuild_support_rollups()
    db.session.commit()
    assert db.session.execute(sa.select(*columns).order_by(*columns[:-1])).all() == kept
    assert support_rollup_differences() == []


def _json(value: str | dict[str, int]) -> dict[str, int]:
    return json.loads(value) if isinstance(value, str) else value


def _plain(part: object) -> str:
    """A key column as text: SQLite's raw rows give days as text, PostgreSQL's as dates."""
    return part.isoformat() if isinstance(part, date) else str(part)


def test_migration_1108_keeps_every_histogram_as_an_array(
    app: Flask, runner: FlaskCliRunner
) -> None:
    """Histograms stored as JSON before 1108 come back from it with the same counts, and
    from its downgrade as the same JSON."""
    for number in range(1, 6):
        opened = START + timedelta(days=number)
        post(
            number,
            customer=number,
            opened_at=opened,
            first_response_at=opened if number == 1 else opened + timedelta(minutes=7 * number),
            resolved_at=opened + timedelta(hours=number),
        )
    settle_all()
    key = SupportHistogram.__table__.primary_key.columns
    kept = {
        tuple(row[:-1]): row[-1].as_dict()
        for row in db.session.execute(sa.select(*key, SupportHistogram.buckets))
    }
    assert {-1: 1} in kept.values()  # the instant first response: the zero bucket
    db.session.remove()
    downgrade(revision="1108-1")
    try:
        rows = db.session.execute(sa.text("SELECT * FROM support_histograms")).mappings().all()
        # Raw rows: SQLite gives the JSON as text and the day as text, PostgreSQL parsed.
        stored = {
            tuple(_plain(row[c.name]) for c in key): {
                int(b): n for b, n in _json(row["counts"]).items()
            }
            for row in rows
        }
        assert "buckets" not in rows[0]
        db.session.remove()
    finally:
        upgrade()
    assert stored == {tuple(_plain(part) for part in k): c for k, c in kept.items()}
    assert {
        tuple(row[:-1]): row[-1].as_dict()
        for row in db.session.execute(sa.select(*key, SupportHistogram.buckets))
    } == kept
    check = runner.invoke(args=["rollups", "check"])
    assert check.exit_code == 0, check.output
