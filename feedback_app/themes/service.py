"""Computing and keeping the themes of a selection of responses, and tagging pinned themes.

Themes are computed by the worker (``compute_due_themes``), never while a page waits: a page
or the API asking for a selection that is not kept, or kept for longer than ``REFRESH``,
marks it pending (one row per selection, so asking twice queues it once) and shows what is
kept meanwhile with the time it was computed. The default selections, each kind over the
dashboard's default period, are kept warm by the job itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from feedback_app.audit import service as audit
from feedback_app.extensions import db
from feedback_app.models import PinnedTheme, Response, Theme, ThemeMention, ThemeRun, ThemeTag, User
from feedback_app.models.base import UTCDateTime
from feedback_app.services.claims import claim
from feedback_app.services.metrics import (
    Period,
    ResponseFilter,
    default_period,
    narrow_to_breakdown,
)
from surveys.bucketing import CONTRAST, Bucket
from surveys.kinds import SurveyKind

#: Kept themes older than this are computed again when asked for.
REFRESH = timedelta(hours=1)
#: Themes kept per selection, and the fewest comments a theme needs.
LIMIT, MIN_COUNT = 20, 2
#: Example comments kept per theme: the newest.
EXAMPLES = 3
#: Selections computed per run of the job, oldest request first.
RUNS_PER_JOB = 3
#: Responses matched with the pinned themes per run of the tagging job.
TAG_BATCH = 2000
#: The most pinned themes the tagging job matches (pins are a handful of phrases).
MAX_PINS = 500


def scope_of(where: ResponseFilter) -> str:
    """A selection in one string: what ``ThemeRun.scope`` finds it by."""
    if where.kind is None:
        raise ValueError("themes are computed for one kind")
    parts = (where.kind.value, where.period.since.isoformat(), where.period.until.isoformat())
    filters = (where.bucket.value if where.bucket else None, where.channel, where.team, where.agent)
    return "|".join((*parts, *(value or "" for value in filters)))


def selection_of(run: ThemeRun) -> ResponseFilter:
    """The responses ``run`` was computed for."""
    return ResponseFilter(
        period=Period(run.since, run.until),
        kind=run.kind,
        bucket=run.bucket,
        channel=run.channel,
        team=run.team,
        agent=run.agent,
    )


def request_themes(where: ResponseFilter, now: datetime) -> ThemeRun:
    """The run kept for ``where``, marked pending when new or older than ``REFRESH``;
    commits. Two first requests at once make one run: the second finds the first's."""
    scope = scope_of(where)
    find = sa.select(ThemeRun).where(ThemeRun.scope == scope)
    run = db.session.scalar(find)
    if run is None:
        run = ThemeRun(
            scope=scope,
            kind=where.kind,
            since=where.period.since,
            until=where.period.until,
            bucket=where.bucket,
            channel=where.channel,
            team=where.team,
            agent=where.agent,
            requested_at=now,
            pending=True,
        )
        db.session.add(run)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
            run = db.session.scalars(find).one()
        return run
    if not run.pending and (run.computed_at is None or run.computed_at <= now - REFRESH):
        run.pending = True
        run.requested_at = now
    db.session.commit()
    return run


def comments_query(where: ResponseFilter) -> sa.Select[tuple[int, str, Bucket, str | None]]:
    """The selection's comments as (response id, text, bucket, locale), newest first."""
    query = sa.select(Response.id, Response.comment, Response.bucket, Response.locale).where(
        Response.kind == where.kind,
        Response.created_at >= where.period.start,
        Response.created_at < where.period.end,
        Response.comment != "",
    )
    if where.bucket is not None:
        query = query.where(Response.bucket == where.bucket)
    query = narrow_to_breakdown(query, where, Response.channel, Response.team_id, Response.agent_id)
    return query.order_by(Response.created_at.desc(), Response.id.desc())


def compute(run: ThemeRun, now: datetime) -> bool:
    """Find the themes of ``run``'s comments and keep them in place of the old ones; commits.

    The comments are read and their themes found before the run is claimed, so that on
    SQLite the write lock is held for the writing only. Returns False when another worker
    kept them meanwhile.
    """
    # Imported here, as in ``tag_new_comments``: ``phrases`` brings numpy, SciPy and
    # scikit-learn, seconds that every web process and command would otherwise spend at
    # start-up for pages that never find a phrase; only the worker's jobs need them.
    from feedback_app.themes.phrases import Comment, find_themes

    rows = db.session.execute(comments_query(selection_of(run))).all()
    db.session.commit()
    found = find_themes([Comment(*row) for row in rows], limit=LIMIT, min_count=MIN_COUNT)
    claimed = claim(sa.select(ThemeRun).where(ThemeRun.id == run.id, ThemeRun.pending), limit=1)
    if not claimed:
        db.session.commit()
        return False
    db.session.execute(sa.delete(Theme).where(Theme.run_id == run.id))
    themes = [
        Theme(
            run_id=run.id,
            rank=rank,
            phrase=theme.phrase,
            label=theme.label[:200],
            score=theme.score,
            count=theme.count,
            by_bucket={bucket.value: n for bucket, n in theme.by_bucket.items()},
        )
        for rank, theme in enumerate(found.themes, 1)
    ]
    db.session.add_all(themes)
    db.session.flush()
    _insert_mentions(
        (row.id, response_id, number < EXAMPLES)
        for row, theme in zip(themes, found.themes, strict=True)
        for number, response_id in enumerate(theme.comment_ids)
    )
    run.comments = found.comments
    run.comments_by_bucket = {bucket.value: n for bucket, n in found.comments_by_bucket.items()}
    run.computed_at = now
    run.pending = False
    db.session.commit()
    return True


def _insert_mentions(rows: Iterable[tuple[int, int, bool]]) -> None:
    """Write mention rows through the driver, in the session's transaction: a month of
    100,000 comments has hundreds of thousands of them, which SQLAlchemy's executemany takes
    seconds to write and ``COPY`` (PostgreSQL) or sqlite3's own executemany a fraction of."""
    cursor = db.session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    columns = "theme_mentions (theme_id, response_id, example)"
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            with cursor.copy(f"COPY {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {columns} VALUES (?, ?, ?)", rows)
    finally:
        cursor.close()


def compute_due_themes(now: datetime) -> int:
    """The job: keep the default selections warm and compute a few pending ones.

    Returns the selections computed.
    """
    for kind in SurveyKind:
        request_themes(ResponseFilter(default_period(now), kind=kind), now)
    runs = db.session.scalars(
        sa.select(ThemeRun)
        .where(ThemeRun.pending)
        .order_by(ThemeRun.requested_at, ThemeRun.id)
        .limit(RUNS_PER_JOB)
    ).all()
    return sum(compute(run, now) for run in runs)


# --- What the page and the API show -----------------------------------------------------------


@dataclass(frozen=True)
class Example:
    response_id: int
    text: str


@dataclass(frozen=True)
class ThemeLine:
    theme: Theme
    #: The part of each contrasted bucket's comments that mention it (None: no comments).
    shares: dict[Bucket, float | None]
    examples: list[Example]
    #: The pinned theme of the same phrase, if it is pinned.
    pinned: PinnedTheme | None


@dataclass(frozen=True)
class ThemeReport:
    where: ResponseFilter
    run: ThemeRun
    #: The unhappy bucket and the happy one whose shares are compared.
    contrast: tuple[Bucket, Bucket]
    lines: list[ThemeLine]


def theme_report(where: ResponseFilter, now: datetime) -> ThemeReport:
    """The kept themes of ``where`` with shares and examples; asks for them when due."""
    run = request_themes(where, now)
    themes = db.session.scalars(
        sa.select(Theme).where(Theme.run_id == run.id).order_by(Theme.rank)
    ).all()
    examples = _examples(theme.id for theme in themes)
    pins = {
        pin.phrase: pin
        for pin in db.session.scalars(
            sa.select(PinnedTheme).where(PinnedTheme.phrase.in_({t.phrase for t in themes}))
        )
    }
    contrast = CONTRAST[run.kind]
    totals = run.comments_by_bucket
    lines = [
        ThemeLine(
            theme,
            {
                bucket: theme.by_bucket.get(bucket.value, 0) / totals[bucket.value]
                if totals.get(bucket.value)
                else None
                for bucket in contrast
            },
            examples.get(theme.id, []),
            pins.get(theme.phrase),
        )
        for theme in themes
    ]
    return ThemeReport(where, run, contrast, lines)


def _examples(theme_ids: Iterable[int]) -> dict[int, list[Example]]:
    """Each theme's example comments, newest first; comments since emptied are left out."""
    rows = db.session.execute(
        sa.select(ThemeMention.theme_id, Response.id, Response.comment)
        .join(Response, Response.id == ThemeMention.response_id)
        .where(
            ThemeMention.theme_id.in_(list(theme_ids)),
            ThemeMention.example,
            Response.comment != "",
        )
        .order_by(Response.created_at.desc(), Response.id.desc())
    )
    found: dict[int, list[Example]] = {}
    for theme_id, response_id, text in rows:
        found.setdefault(theme_id, []).append(Example(response_id, text))
    return found


# --- Pinned themes ---------------------------------------------------------------------------


def pinned_themes() -> list[tuple[PinnedTheme, int]]:
    """Every pinned theme with how many responses it tags, by label."""
    tagged = (
        sa.select(sa.func.count())
        .where(ThemeTag.pinned_id == PinnedTheme.id)
        .correlate(PinnedTheme)
        .scalar_subquery()
    )
    rows = db.session.execute(sa.select(PinnedTheme, tagged).order_by(PinnedTheme.label))
    return [(pin, count) for pin, count in rows]


def pin_theme(theme: Theme, user: User) -> PinnedTheme:
    """Pin ``theme`` as a tag: the comments it counted are tagged now, and the tagging job
    matches every comment written or changed since it was computed. Pinning a phrase again
    keeps the first pin. Commits."""
    pin = db.session.scalar(sa.select(PinnedTheme).where(PinnedTheme.phrase == theme.phrase))
    if pin is not None:
        return pin
    run = db.session.get(ThemeRun, theme.run_id)
    assert run is not None and run.computed_at is not None
    pin = PinnedTheme(
        phrase=theme.phrase,
        label=theme.label,
        pinned_by_id=user.id,
        pinned_at=run.computed_at,
        tagged_through=run.computed_at,
        tagged_through_id=0,
    )
    db.session.add(pin)
    db.session.flush()
    db.session.execute(
        sa.insert(ThemeTag).from_select(
            ["pinned_id", "response_id", "tagged_at"],
            sa.select(
                sa.literal(pin.id),
                ThemeMention.response_id,
                sa.literal(run.computed_at, UTCDateTime()),
            ).where(ThemeMention.theme_id == theme.id),
        )
    )
    audit.record("theme.pinned", f"pinned_theme:{pin.id}", {"phrase": pin.label})
    db.session.commit()
    return pin


def unpin_theme(pin: PinnedTheme) -> None:
    """Unpin ``pin``: its tags go with it. Commits."""
    audit.record("theme.unpinned", f"pinned_theme:{pin.id}", {"phrase": pin.label})
    db.session.delete(pin)
    db.session.commit()


def tag_new_comments(now: datetime) -> int:
    """The job: match the responses written or changed since each pinned theme last looked
    with it, tagging those that mention it and untagging those edited not to; commits.

    Returns the responses looked at. The (updated_at, id) mark lets an import of thousands
    of responses written at one instant go through a batch at a time.
    """
    from feedback_app.themes.phrases import mentions  # (see ``compute``)

    pins = claim(sa.select(PinnedTheme).order_by(PinnedTheme.id), limit=MAX_PINS)
    if not pins:
        db.session.commit()
        return 0
    first = min(pins, key=lambda pin: (pin.tagged_through, pin.tagged_through_id))
    rows = db.session.execute(
        sa.select(Response.id, Response.comment, Response.locale, Response.updated_at)
        .where(_after(first.tagged_through, first.tagged_through_id))
        .order_by(Response.updated_at, Response.id)
        .limit(TAG_BATCH)
    ).all()
    if not rows:
        db.session.commit()
        return 0
    found = mentions([r.comment for r in rows], [r.locale for r in rows], [p.phrase for p in pins])
    last = rows[-1]
    for pin in pins:
        mark = (pin.tagged_through, pin.tagged_through_id)
        seen = [n for n, row in enumerate(rows) if (row.updated_at, row.id) > mark]
        if not seen:
            continue
        matching = {rows[n].id for n in seen if n in found[pin.phrase]}
        _retag(pin, matching, {rows[n].id for n in seen} - matching, now)
        pin.tagged_through, pin.tagged_through_id = last.updated_at, last.id
    db.session.commit()
    return len(rows)


def _after(at: datetime, response_id: int) -> sa.ColumnElement[bool]:
    return sa.or_(
        Response.updated_at > at, sa.and_(Response.updated_at == at, Response.id > response_id)
    )


def _retag(pin: PinnedTheme, matching: set[int], others: set[int], now: datetime) -> None:
    tagged = set(
        db.session.scalars(
            sa.select(ThemeTag.response_id).where(
                ThemeTag.pinned_id == pin.id, ThemeTag.response_id.in_(matching | others)
            )
        )
    )
    added = [
        {"pinned_id": pin.id, "response_id": response_id, "tagged_at": now}
        for response_id in sorted(matching - tagged)
    ]
    if added:
        db.session.execute(sa.insert(ThemeTag), added)
    if others & tagged:
        db.session.execute(
            sa.delete(ThemeTag).where(
                ThemeTag.pinned_id == pin.id, ThemeTag.response_id.in_(others & tagged)
            )
        )
