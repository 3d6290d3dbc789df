"""``feedback import-responses`` and ``import-interactions``: history from other survey tools
and from helpdesks, streamed from a CSV file."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from feedback_app.audit import service as audit
from feedback_app.channels.labels import Labeller
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Survey
from feedback_app.services.imports import import_batches
from feedback_app.services.support.imports import import_interaction_batches
from feedback_app.services.surveys import survey_for_kind
from surveys.channels import OTHER, InvalidChannel, parse_channel_map
from surveys.imports import (
    FIELDS,
    ImportRow,
    RowError,
    missing_columns,
    parse_datetime,
    parse_mapping,
    parse_row,
)
from surveys.interaction_imports import FIELDS as INTERACTION_FIELDS
from surveys.interaction_imports import InteractionRow, parse_interaction_row
from surveys.interaction_imports import missing_columns as missing_interaction_columns
from surveys.interaction_imports import parse_mapping as parse_interaction_mapping
from surveys.kinds import SurveyKind

T = TypeVar("T", ImportRow, InteractionRow)

CHANNEL_MAP = click.option(
    "--channel-map",
    "channel_map",
    default="",
    help="Give the file's channel names other labels, as NAME=LABEL,... "
    '(e.g. "Social media=Social"); other names are kept as the file writes them, '
    "or as the channel aliases name them.",
)


@click.command("import-responses")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice([k.value for k in SurveyKind]), required=True)
@click.option(
    "--map",
    "mapping_text",
    required=True,
    help=f"Which column holds each field, as FIELD=COLUMN,...; fields: {', '.join(FIELDS)}.",
)
@CHANNEL_MAP
@click.option("--date", "default_date", help="Date of rows that have none; default: now.")
@click.option("--day-first", is_flag=True, help="Read slashed dates as day/month/year.")
@click.option("--survey", "survey_id", type=int, help="Survey id; default: the kind's main one.")
@click.option("--encoding", default="utf-8-sig", show_default=True)
def import_responses(
    file: Path,
    kind: str,
    mapping_text: str,
    default_date: str | None,
    day_first: bool,
    survey_id: int | None,
    encoding: str,
    channel_map: str,
) -> None:
    """Import responses from FILE.csv; rows already imported (same source_id) are skipped.

    Bad rows are reported with their line number and left out; the good rows go in. The
    exit status is 1 when any row was rejected.
    """
    try:
        mapping = parse_mapping(mapping_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--map") from None
    now = utcnow()
    label = _labeller(channel_map, now)
    try:
        default_time = parse_datetime(default_date) if default_date else now
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--date") from None
    survey = _survey(SurveyKind(kind), survey_id, now)
    if "source_id" not in mapping:
        click.echo(
            "warning: no source_id column; importing this file again duplicates it", err=True
        )

    rejected = 0
    with _reading(file, encoding) as reader:
        _check_header(file, reader, missing_columns(mapping, reader.fieldnames or []))

        def rows() -> Iterator[ImportRow]:
            nonlocal rejected
            for line, record in _records(reader):
                try:
                    row = parse_row(
                        survey.kind,
                        line,
                        record,
                        mapping,
                        default_time=default_time,
                        now=now,
                        day_first=day_first,
                    )
                    yield _labelled(row, label) if row.channel else row
                except (RowError, InvalidChannel) as error:
                    rejected += 1
                    click.echo(f"line {line}: {error.message}", err=True)

        with _readable(reader):
            summary = import_batches(survey, rows(), now)
    click.echo(_summary_line([f"imported {summary.imported}"], summary.duplicates, rejected))
    audit.record(
        "responses.imported", f"survey:{survey.id}", {"rows": summary.imported}, commit=True
    )
    if rejected:
        sys.exit(1)


@contextmanager
def _reading(file: Path, encoding: str) -> Iterator[csv.DictReader[str]]:
    """A CSV reader over ``file``, with a progress bar on a terminal."""
    with file.open(newline="", encoding=encoding) as handle:
        progress: Any = (
            click.progressbar(length=file.stat().st_size, label="Importing", file=sys.stderr)
            if sys.stderr.isatty()
            else nullcontext()
        )
        with progress as bar:
            yield csv.DictReader(_counting(handle, bar))


def _check_header(file: Path, reader: csv.DictReader[str], absent: list[str]) -> None:
    if absent:
        raise click.ClickException(
            f"{file.name} has no column {', '.join(map(repr, absent))}; "
            f"its columns are {', '.join(reader.fieldnames or [])}"
        )


@contextmanager
def _readable(reader: csv.DictReader[str]) -> Iterator[None]:
    """Stop with the line of a file that cannot be read; the batches before it are in."""
    try:
        yield
    except (csv.Error, UnicodeDecodeError) as error:
        raise click.ClickException(
            f"line {reader.line_num + 1}: the file cannot be read ({error}); "
            "rows before it were imported"
        ) from None


def _survey(kind: SurveyKind, survey_id: int | None, now: Any) -> Survey:
    if survey_id is None:
        survey = survey_for_kind(kind, now)
        db.session.commit()
        return survey
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise click.BadParameter(f"there is no survey {survey_id}", param_hint="--survey")
    if survey.kind is not kind:
        raise click.BadParameter(
            f"survey {survey_id} is a {survey.kind.value} survey, not {kind.value}",
            param_hint="--survey",
        )
    return survey


def _labeller(channel_map: str, now: Any) -> Labeller:
    try:
        return Labeller(now, parse_channel_map(channel_map))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--channel-map") from None


def _labelled(row: T, label: Labeller) -> T:
    """The row with its channel's label; InvalidChannel past the most labels."""
    try:
        return replace(row, channel=label(row.channel))
    except InvalidChannel as error:
        raise InvalidChannel(f"channel: {error.message}") from None


def _counting(handle: TextIO, bar: Any) -> Iterator[str]:
    """Yield the file's lines, moving the progress bar (if any) by their size."""
    for line in handle:
        if bar is not None:
            bar.update(len(line.encode()))
        yield line


def _records(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each record with the line it starts on (quoted fields may span several lines)."""
    end = reader.line_num
    for record in reader:
        yield end + 1, record
        end = reader.line_num


def _summary_line(parts: list[str], duplicates: list[int], rejected: int) -> str:
    if duplicates:
        lines = ", ".join(map(str, duplicates[:10]))
        more = ", …" if len(duplicates) > 10 else ""
        parts.append(f"skipped {len(duplicates)} already imported (lines {lines}{more})")
    parts.append(f"rejected {rejected}")
    return "; ".join(parts)


@click.command("import-interactions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "mapping_text",
    required=True,
    help=(
        "Which column holds each field, as FIELD=COLUMN,...; a field may join columns "
        f"(opened_at=Date+Time); fields: {', '.join(INTERACTION_FIELDS)}."
    ),
)
@click.option(
    "--channel",
    "default_channel",
    default=OTHER,
    show_default=True,
    help="The channel of rows that name none (a file of one channel).",
)
@CHANNEL_MAP
@click.option(
    "--kind",
    type=click.Choice([k.value for k in SurveyKind]),
    help="What the rating column measures; each rating becomes the interaction's response.",
)
@click.option("--day-first", is_flag=True, help="Read slashed dates as day/month/year.")
@click.option("--encoding", default="utf-8-sig", show_default=True)
def import_interactions(
    file: Path,
    mapping_text: str,
    default_channel: str,
    kind: str | None,
    day_first: bool,
    encoding: str,
    channel_map: str,
) -> None:
    """Import interactions from FILE.csv; rows already imported (same external_id) are
    skipped. Rows without a customer are anonymous contacts; nobody is surveyed.

    Bad rows are reported as "line N: field: problem" and left out; the good rows go in.
    The exit status is 1 when any row was rejected.
    """
    try:
        mapping = parse_interaction_mapping(mapping_text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--map") from None
    if "rating" in mapping and kind is None:
        raise click.BadParameter(
            "say what the rating measures: csat, ces or nps", param_hint="--kind"
        )
    now = utcnow()
    survey = _survey(SurveyKind(kind), None, now) if kind else None
    label = _labeller(channel_map, now)
    rejected = 0
    with _reading(file, encoding) as reader:
        absent = missing_interaction_columns(mapping, reader.fieldnames or [])
        _check_header(file, reader, absent)

        def rows() -> Iterator[InteractionRow]:
            nonlocal rejected
            for line, record in _records(reader):
                try:
                    row = parse_interaction_row(
                        line,
                        record,
                        mapping,
                        now=now,
                        channel=default_channel,
                        kind=survey.kind if survey else None,
                        day_first=day_first,
                    )
                    yield _labelled(row, label)
                except (RowError, InvalidChannel) as error:
                    rejected += 1
                    click.echo(f"line {line}: {error.message}", err=True)

        with _readable(reader):
            summary = import_interaction_batches(rows(), now, survey=survey)
    parts = [f"imported {summary.imported}"]
    if survey is not None:
        parts.append(f"{summary.ratings} ratings")
    click.echo(_summary_line(parts, summary.duplicates, rejected))
    audit.record("interactions.imported", "", {"rows": summary.imported}, commit=True)
    if rejected:
        sys.exit(1)


COMMANDS = [import_responses, import_interactions]
