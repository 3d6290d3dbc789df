"""The support figures of a period, overall and broken down, read from the support rollups.

A breakdown by a customer property declared in ``SEGMENTS`` reads its rollups too; any other
property is read from the interactions and their customers (exact, and slower: the page
says so).
"""

from __future__ import annotations

import bisect
import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from feedback_app.extensions import db
from feedback_app.models import (
    Customer,
    DurationMeasure,
    Interaction,
    Span,
    SupportDimension,
    SupportHistogram,
    SupportRollup,
)
from feedback_app.services.support import segments
from feedback_app.services.support.entries import SupportEntry
from feedback_app.services.support.rollups import opened_column
from surveys.metrics import DEFAULT_MIN_N, Estimate, median_of
from surveys.scope import Scope
from surveys.support import TALLY_COLUMNS, DenseHistogram, SupportTally, support_figures

D = SupportDimension


class SupportGroupBy(enum.StrEnum):
    CHANNEL = "channel"
    TEAM = "team"
    AGENT = "agent"
    TOPIC = "topic"
    PROPERTY = "property"


DIMENSION = {
    SupportGroupBy.CHANNEL: D.CHANNEL,
    SupportGroupBy.TEAM: D.TEAM,
    SupportGroupBy.AGENT: D.AGENT,
    SupportGroupBy.TOPIC: D.TOPIC,
}


@dataclass(frozen=True)
class SupportGroup:
    """One value of a breakdown: its key ("" for none set) and its figures."""

    key: str
    figures: dict[str, Estimate]


@dataclass(frozen=True)
class SupportReport:
    figures: dict[str, Estimate]
    group_by: SupportGroupBy | None = None
    property_name: str | None = None
    groups: list[SupportGroup] = field(default_factory=list)
    #: True when the breakdown was read from the interactions (an undeclared property).
    from_rows: bool = False


@dataclass
class _Sums:
    tally: SupportTally = field(default_factory=SupportTally)
    histograms: dict[DurationMeasure, DenseHistogram] = field(
        default_factory=lambda: defaultdict(DenseHistogram)
    )
    #: The durations themselves, where a breakdown was read from the rows: exact medians.
    exact: dict[DurationMeasure, list[int]] | None = None


def support_report(
    since: date,
    until: date,
    *,
    group_by: SupportGroupBy | None = None,
    property_name: str | None = None,
    min_n: int = DEFAULT_MIN_N,
    scope: Scope | None = None,
) -> SupportReport:
    """The support figures of the days ``since`` to ``until`` (both included), and their
    breakdown by ``group_by`` (``property_name`` names the customer property).

    :param scope: one team or agent: the figures are theirs (read from that breakdown's
        rows), not everyone's.
    """
    dimension, value = _scoped(scope)
    overall = _from_rollups(since, until, dimension, "", value).get(value, _Sums())
    groups: dict[str, _Sums] | None = None
    from_rows = False
    if group_by is SupportGroupBy.PROPERTY:
        if not property_name:
            raise ValueError("a customer property name is needed to group by property")
        if property_name in segments.declared():
            groups = _from_rollups(since, until, D.SEGMENT, property_name)
        else:
            groups, from_rows = _from_rows(since, until, property_name), True
    elif group_by is not None:
        groups = _from_rollups(since, until, DIMENSION[group_by], "")
    return SupportReport(
        figures=_figures(overall, min_n),
        group_by=group_by,
        property_name=property_name,
        groups=sorted(
            (SupportGroup(key, _figures(sums, min_n)) for key, sums in (groups or {}).items()),
            key=lambda g: (-g.figures["volume"].n, g.key),
        ),
        from_rows=from_rows,
    )


def _figures(sums: _Sums, min_n: int) -> dict[str, Estimate]:
    h = sums.histograms
    figures = support_figures(
        sums.tally, h[DurationMeasure.RESOLUTION], h[DurationMeasure.FIRST_RESPONSE], min_n
    )
    if sums.exact is not None:
        for measure in DurationMeasure:
            values = [float(v) for v in sums.exact.get(measure, [])]
            figures[f"{measure.value}_median"] = median_of(values, min_n)
    return figures


def volume_by_channel(since: date, until: date) -> dict[str, int]:
    """Contacts opened per channel label, the channels with any, largest first."""
    groups = _tallies(since, until, D.CHANNEL, "")
    volumes = {label: tally.volume for label, tally in groups.items() if tally.volume}
    return dict(sorted(volumes.items(), key=lambda item: (-item[1], item[0])))


def _scoped(scope: Scope | None) -> tuple[D, str]:
    """The rollup rows a scope reads: its dimension and value (everyone's: the ``all`` rows)."""
    return (D.ALL, "") if scope is None else (D(scope.by.value), scope.value)


def _tallies(
    since: date, until: date, dimension: D, segment: str, value: str | None = None
) -> dict[str, SupportTally]:
    """The sums per value (only ``value``'s when given); one query per span of the period,
    each an index range."""
    sums = [sa.func.sum(getattr(SupportRollup, column)) for column in TALLY_COLUMNS]
    result: dict[str, SupportTally] = defaultdict(SupportTally)
    for span, first, last in spans(since, until):
        query = (
            sa.select(SupportRollup.value, *sums)
            .where(
                SupportRollup.dimension == dimension,
                SupportRollup.segment == segment,
                SupportRollup.span == span,
                SupportRollup.day.between(first, last),
            )
            .group_by(SupportRollup.value)
        )
        if value is not None:
            query = query.where(SupportRollup.value == value)
        for key, *values in db.session.execute(query):
            result[key] += _tally_of(values)
    return result


def _tally_of(sums: Sequence[Any]) -> SupportTally:
    """A row of SQL sums as a tally: PostgreSQL sums integers as numeric, so back to int
    (and float for the squares)."""
    return SupportTally(
        *(
            float(v or 0) if column.endswith("_sq") else int(v or 0)
            for column, v in zip(TALLY_COLUMNS, sums, strict=True)
        )
    )


def support_series(
    starts: Sequence[date], until: date, min_n: int = DEFAULT_MIN_N, scope: Scope | None = None
) -> list[dict[str, Estimate]]:
    """The figures of each part of a period cut at ``starts`` (the first day of each part,
    in order) up to ``until``: the day rollups read in one query per table, whatever the
    number of parts; ``scope``'s figures only when given."""
    dimension, value = _scoped(scope)
    parts = [_Sums() for _ in starts]

    def part(day: date) -> _Sums:
        return parts[bisect.bisect_right(starts, day) - 1]

    sums = [sa.func.sum(getattr(SupportRollup, column)) for column in TALLY_COLUMNS]
    query = (
        sa.select(SupportRollup.day, *sums)
        .where(
            SupportRollup.dimension == dimension,
            SupportRollup.value == value,
            SupportRollup.span == Span.DAY,
            SupportRollup.day.between(starts[0], until),
        )
        .group_by(SupportRollup.day)
    )
    for day, *values in db.session.execute(query):
        part(day).tally += _tally_of(values)
    h = SupportHistogram
    for measure in DurationMeasure:
        rows = sa.select(h.day, h.buckets).where(
            h.measure == measure,
            h.dimension == dimension,
            h.value == value,
            h.span == Span.DAY,
            h.day.between(starts[0], until),
        )
        for day, buckets in db.session.execute(rows):
            part(day).histograms[measure].add(buckets)
    return [_figures(sums_, min_n) for sums_ in parts]


def spans(since: date, until: date) -> list[tuple[Span, date, date]]:
    """The period as whole calendar months (read from the month rows) and the days left."""
    first = since if since.day == 1 else _next_month(since)
    last = _next_month(until) if until == _next_month(until) - timedelta(days=1) else None
    months_end = (last or until.replace(day=1)) - timedelta(days=1)
    if first > months_end or first > until:
        return [(Span.DAY, since, until)]
    parts = [(Span.MONTH, first, months_end.replace(day=1))]
    if since < first:
        parts.append((Span.DAY, since, first - timedelta(days=1)))
    if months_end < until:
        parts.append((Span.DAY, months_end + timedelta(days=1), until))
    return parts


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _from_rollups(
    since: date, until: date, dimension: D, segment: str, value: str | None = None
) -> dict[str, _Sums]:
    """The sums and histograms per value of ``dimension`` (only ``value``'s when given)."""
    result: dict[str, _Sums] = defaultdict(_Sums)
    for key, tally in _tallies(since, until, dimension, segment, value).items():
        result[key].tally = tally
    h = SupportHistogram
    for measure in DurationMeasure:
        for span, first, last in spans(since, until):
            query = sa.select(h.value, h.buckets).where(
                h.measure == measure,
                h.dimension == dimension,
                h.segment == segment,
                h.span == span,
                h.day.between(first, last),
            )
            if value is not None:
                query = query.where(h.value == value)
            for key, buckets in db.session.execute(query):
                result[key].histograms[measure].add(buckets)
    return {key: sums for key, sums in result.items() if sums.tally != SupportTally()}


def _from_rows(since: date, until: date, name: str) -> dict[str, _Sums]:
    """A breakdown by an undeclared customer property: each interaction of the period as
    counted (its ``counted`` entry), with its customer's property now; exact medians."""
    prop = Customer.properties[name].as_string()
    closed = sa.func.coalesce(Interaction.resolved_at, opened_column)
    query = (
        sa.select(Interaction.counted, prop)
        .outerjoin(Customer, Customer.id == Interaction.customer_id)
        .where(
            Interaction.counted.is_not(None),
            opened_column < _start_of(until + timedelta(days=1)),
            sa.or_(opened_column >= _start_of(since), closed >= _start_of(since)),
        )
        .execution_options(yield_per=5000)
    )
    result: dict[str, _Sums] = defaultdict(_Sums)
    for counted, value in db.session.execute(query):
        entry = SupportEntry.from_json(counted)
        sums = result[str(value or "")[: segments.MAX_VALUE]]
        _add_exact(sums, entry, since, until)
    return {value: sums for value, sums in result.items() if sums.tally != SupportTally()}


def _add_exact(sums: _Sums, entry: SupportEntry, since: date, until: date) -> None:
    if sums.exact is None:
        sums.exact = defaultdict(list)
    for (dimension, _, span, day, _), tally in entry.tallies():
        if dimension is D.ALL and span is Span.DAY and since <= day <= until:
            sums.tally += tally
    m = entry.measures
    if m.answered and since <= entry.closed <= until:
        for measure, seconds in (
            (DurationMeasure.RESOLUTION, m.resolution),
            (DurationMeasure.FIRST_RESPONSE, m.first_response),
        ):
            if seconds is not None:
                sums.exact[measure].append(seconds)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
