"""How one interaction is counted in the support rollups: its ``SupportEntry``.

A contact adds its volume (and abandonment) on the UTC day it opened, and its first contact
resolution verdict and times on the day it was resolved, or the day it opened when it has no
resolution time (a call whose export says only "resolved: yes"). The entry is stored on the
interaction (``Interaction.counted``) as it is counted, so a change moves exactly what was
counted, wherever the row has moved since.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from feedback_app.models import DurationMeasure, Span, SupportDimension
from surveys.metrics import Contact, opened_by_customer, resolved_at_first_contact
from surveys.support import (
    ContactMeasures,
    SupportTally,
    bucket_of,
    closing_tally,
    first_response_time,
    handle_time,
    opening_tally,
    whole_seconds,
)

D = SupportDimension
#: (dimension, segment, span, day, value): one support rollup row.
RollupKey = tuple[SupportDimension, str, Span, date, str]
#: (measure, dimension, segment, span, day, value): one histogram row.
HistogramKey = tuple[DurationMeasure, SupportDimension, str, Span, date, str]
#: A histogram row's key and a bucket in it: one count.
Cell = tuple[HistogramKey, int]


@dataclass(frozen=True)
class Facts:
    """The columns of one interaction that its entry depends on."""

    id: int
    customer_id: int | None
    opened_at: datetime
    resolved_at: datetime | None
    first_response_at: datetime | None
    first_response_seconds: int | None
    answered: bool
    first_contact_resolved: bool | None
    handle_seconds: int | None
    talk_seconds: int | None
    hold_seconds: int | None
    after_work_seconds: int | None
    channel: str
    team_id: int | None
    agent_id: int | None
    topic: str | None

    @property
    def contact(self) -> Contact:
        return Contact(
            self.customer_id or 0, self.opened_at, self.resolved_at, self.first_contact_resolved
        )


def aware(value: datetime | str | None) -> datetime | None:
    """SQLite hands back naive UTC (and ``coalesce()`` text); make it aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SupportEntry:
    """Where and how one interaction is counted."""

    customer: int | None
    opened_at: datetime
    opened: date
    closed: date
    channel: str
    team: str
    agent: str
    topic: str
    segments: tuple[tuple[str, str], ...]
    measures: ContactMeasures

    def values(self) -> Iterator[tuple[SupportDimension, str, str]]:
        """(dimension, segment, value) of each rollup row the interaction counts in."""
        yield D.ALL, "", ""
        yield D.CHANNEL, "", self.channel
        yield D.TEAM, "", self.team
        yield D.AGENT, "", self.agent
        yield D.TOPIC, "", self.topic
        for segment, value in self.segments:
            yield D.SEGMENT, segment, value

    def sparse_tallies(self) -> Iterator[tuple[RollupKey, dict[str, float]]]:
        """``tallies`` with only the sums each changes (``SupportTally.nonzero``)."""
        sparse: dict[int, dict[str, float]] = {}
        for key, tally in self.tallies():
            if id(tally) not in sparse:
                sparse[id(tally)] = tally.nonzero()
            yield key, sparse[id(tally)]

    def tallies(self) -> Iterator[tuple[RollupKey, SupportTally]]:
        """Each rollup row (day and month) the entry adds to, with what it adds."""
        opening, closing = opening_tally(self.measures.answered), closing_tally(self.measures)
        empty = closing == SupportTally()
        opened, closed = spans_of(self.opened), spans_of(self.closed)
        for dimension, segment, value in self.values():
            for span, day in opened:
                yield (dimension, segment, span, day, value), opening
            if not empty:
                for span, day in closed:
                    yield (dimension, segment, span, day, value), closing

    def buckets(self, only: tuple[SupportDimension, str] | None = None) -> Iterator[Cell]:
        """Each histogram row (day and month) the entry counts in, with its bucket; ``only``
        those of one (dimension, segment)."""
        m = self.measures
        if not m.answered:
            return
        closed = spans_of(self.closed)
        values = [v for v in self.values() if only is None or v[:2] == only]
        for measure, seconds in (
            (DurationMeasure.RESOLUTION, m.resolution),
            (DurationMeasure.FIRST_RESPONSE, m.first_response),
        ):
            if seconds is None:
                continue
            bucket = bucket_of(seconds)
            for dimension, segment, value in values:
                for span, day in closed:
                    yield (measure, dimension, segment, span, day, value), bucket

    def as_json(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "opened_at": self.opened_at.isoformat(),
            "opened": self.opened.isoformat(),
            "closed": self.closed.isoformat(),
            "channel": self.channel,
            "team": self.team,
            "agent": self.agent,
            "topic": self.topic,
            "segments": [list(pair) for pair in self.segments],
            "measures": dict(vars(self.measures)),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SupportEntry:
        return cls(
            customer=data["customer"],
            opened_at=datetime.fromisoformat(data["opened_at"]),
            opened=date.fromisoformat(data["opened"]),
            closed=date.fromisoformat(data["closed"]),
            channel=data["channel"],
            team=data["team"],
            agent=data["agent"],
            topic=data["topic"],
            segments=tuple((s, v) for s, v in data["segments"]),
            measures=ContactMeasures(**data["measures"]),
        )


def spans_of(day: date) -> tuple[tuple[Span, date], tuple[Span, date]]:
    return (Span.DAY, day), (Span.MONTH, day.replace(day=1))


def entry_of(
    facts: Facts, first_contact: bool | None, segments: tuple[tuple[str, str], ...]
) -> SupportEntry:
    """The entry of one interaction, given its first contact verdict and its customer's
    segment values."""
    opened = facts.opened_at
    resolved = facts.resolved_at
    measures = ContactMeasures(
        answered=facts.answered,
        first_contact=first_contact if facts.answered else None,
        talk=facts.talk_seconds,
        hold=facts.hold_seconds,
        after_work=facts.after_work_seconds,
        handle=handle_time(
            facts.talk_seconds, facts.hold_seconds, facts.after_work_seconds, facts.handle_seconds
        ),
        resolution=whole_seconds(opened, resolved),
        first_response=first_response_time(
            opened, facts.first_response_at, facts.first_response_seconds
        ),
    )
    return SupportEntry(
        customer=facts.customer_id,
        opened_at=opened,
        opened=opened.astimezone(UTC).date(),
        closed=(resolved or opened).astimezone(UTC).date(),
        channel=facts.channel,
        team="" if facts.team_id is None else str(facts.team_id),
        agent="" if facts.agent_id is None else str(facts.agent_id),
        topic=facts.topic or "",
        segments=segments,
        measures=measures,
    )


def verdicts(
    items: Iterable[Facts], contacts: Sequence[Contact], window: timedelta
) -> dict[int, bool | None]:
    """Each interaction's first contact verdict: the helpdesk's flag, else (once resolved)
    no repeat contact from the same customer in ``contacts`` within ``window``; None when
    not judged (still open, or abandoned). An anonymous contact has no repeat to find."""
    opened = opened_by_customer(c for c in contacts if c.customer)
    result: dict[int, bool | None] = {}
    for item in items:
        if not item.answered or (item.first_contact_resolved is None and not item.resolved_at):
            result[item.id] = None
        else:
            result[item.id] = resolved_at_first_contact(item.contact, opened, window)
    return result
