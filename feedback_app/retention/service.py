"""Retention of a period, its series, and the comparison by NPS bucket at the period's start."""

from __future__ import annotations

import enum
from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import Customer, Response
from feedback_app.services.kpis import GroupDifference, KpiReport
from feedback_app.services.metrics import NONE, Interval, Line, Period, min_n
from surveys.bucketing import Bucket
from surveys.kinds import SurveyKind
from surveys.metrics import Estimate
from surveys.retention import (
    Lifecycle,
    RetentionCounts,
    difference_of_proportions,
    retention_counts,
    retention_figures,
)


class RetentionGroupBy(enum.StrEnum):
    NPS_BUCKET = "nps_bucket"


#: The lines of the breakdown by NPS bucket, in order: ``none`` had no NPS answer yet.
BUCKET_LABELS = {
    Bucket.PROMOTER.value: "Promoters",
    Bucket.PASSIVE.value: "Passives",
    Bucket.DETRACTOR.value: "Detractors",
    NONE: "No NPS answer",
}
#: The differences shown: do promoters, and passives, stay more than detractors?
COMPARED = (
    (Bucket.PROMOTER.value, Bucket.DETRACTOR.value),
    (Bucket.PASSIVE.value, Bucket.DETRACTOR.value),
)


def _lifecycles(first: Period, last: Period) -> dict[int, Lifecycle]:
    """The customers with a lifecycle who were customers at some point from ``first``'s start
    to ``last``'s end, by id."""
    query = sa.select(Customer.id, Customer.customer_since, Customer.churned_at).where(
        Customer.customer_since < last.end,
        sa.or_(Customer.churned_at.is_(None), Customer.churned_at >= first.start),
    )
    return {i: Lifecycle(since, churned) for i, since, churned in db.session.execute(query)}


def buckets_before(moment: datetime) -> dict[int, str]:
    """Each customer's bucket in their latest NPS answer before ``moment``, by id; only the
    customers with a lifecycle that began before it."""
    latest = sa.func.row_number().over(
        partition_by=Response.customer_id,
        order_by=(Response.created_at.desc(), Response.id.desc()),
    )
    ranked = (
        sa.select(Response.customer_id, Response.bucket, latest.label("rank"))
        .where(
            Response.kind == SurveyKind.NPS,
            Response.created_at < moment,
            Response.customer_id.in_(
                sa.select(Customer.id).where(Customer.customer_since < moment)
            ),
        )
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ranked.c.customer_id, ranked.c.bucket).where(ranked.c.rank == 1)
    )
    return {customer_id: Bucket(bucket).value for customer_id, bucket in rows}


def _by_bucket(lifecycles: dict[int, Lifecycle], period: Period) -> dict[str, RetentionCounts]:
    buckets = buckets_before(period.start)
    grouped: dict[str, list[Lifecycle]] = defaultdict(list)
    for customer_id, life in lifecycles.items():
        if life.customer_at(period.start):
            grouped[buckets.get(customer_id, NONE)].append(life)
    return {key: retention_counts(grouped[key], period.start, period.end) for key in BUCKET_LABELS}


def retention_report(
    period: Period,
    *,
    interval: Interval | None = None,
    group_by: RetentionGroupBy | None = None,
) -> KpiReport:
    """Retention of ``period`` and the period before, a series by ``interval``, and by the
    NPS bucket at the period's start with the differences in ``COMPARED``."""
    lifecycles = _lifecycles(period.previous, period)
    lives = list(lifecycles.values())

    def figures(part: Period) -> dict[str, Estimate]:
        return retention_figures(retention_counts(lives, part.start, part.end), min_n())

    series = [
        Line(part.since.isoformat(), part.label(interval), figures(part), {})
        for part in (period.split(interval) if interval else [])
    ]
    groups: list[Line] = []
    differences: list[GroupDifference] = []
    if group_by is RetentionGroupBy.NPS_BUCKET:
        counts = _by_bucket(lifecycles, period)
        groups = [
            Line(key, label, retention_figures(counts[key], min_n()), {})
            for key, label in BUCKET_LABELS.items()
        ]
        differences = [
            GroupDifference(
                "retention",
                key,
                other,
                difference_of_proportions(
                    counts[key].retained,
                    counts[key].at_start,
                    counts[other].retained,
                    counts[other].at_start,
                ),
            )
            for key, other in COMPARED
        ]
    return KpiReport(
        period=period,
        figures=figures(period),
        previous=figures(period.previous),
        interval=interval,
        group_by=group_by.value if group_by else None,
        series=series,
        groups=groups,
        differences=differences,
    )
