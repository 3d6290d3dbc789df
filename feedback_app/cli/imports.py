"""``feedback import-responses``: history from other survey tools, streamed from a CSV file."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TextIO

import click

from feedback_app.audit import service as audit
from feedback_app.clock import utcnow
from feedback_app.extensions import db
from feedback_app.models import Survey
from feedback_app.services.imports import ImportSummary, import_batches
from feedback_app.services.surveys import survey_for_kind
from surveys.imports import (
    FIELDS,
    ImportRow,
    RowError,
    missing_columns,
    parse_datetime,
    parse_mapping,
    parse_row,
)
from surveys.kinds import SurveyKind


@click.command("import-responses")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice([k.value for k in SurveyKind]), required=True)
@click.option(
    "--map",
    "mapping_text",
    required=True,
    help=f"Which column holds each field, as FIELD=COLUMN,...; fields: {', '.join(FIELDS)}.",
)
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
    with file.open(newline="", encoding=encoding) as handle:
        progress: Any = (
            click.progressbar(length=file.stat().st_size, label="Importing", file=sys.stderr)
            if sys.stderr.isatty()
            else nullcontext()
        )
        with progress as bar:
            reader = csv.DictReader(_counting(handle, bar))
            absent = missing_columns(mapping, reader.fieldnames or [])
            if absent:
                raise click.ClickException(
                    f"{file.name} has no column {', '.join(map(repr, absent))}; "
                    f"its columns are {', '.join(reader.fieldnames or [])}"
                )

            def rows() -> Iterator[ImportRow]:
                nonlocal rejected
                for line, record in _records(reader):
                    try:
                        yield parse_row(
                            survey.kind,
                            line,
                            record,
                            mapping,
                            default_time=default_time,
                            now=now,
                            day_first=day_first,
                        )
                    except RowError as error:
                        rejected += 1
                        click.echo(f"line {line}: {error.message}", err=True)

            try:
                summary = import_batches(survey, rows(), now)
            except (csv.Error, UnicodeDecodeError) as error:
                raise click.ClickException(
                    f"line {reader.line_num + 1}: the file cannot be read ({error}); "
                    "rows before it were imported"
                ) from None
    _report(summary, rejected)
    audit.record(
        "responses.imported", f"survey:{survey.id}", {"rows": summary.imported}, commit=True
    )
    if rejected:
        sys.exit(1)


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


def _report(summary: ImportSummary, rejected: int) -> None:
    parts = [f"imported {summary.imported}"]
    if summary.duplicates:
        lines = ", ".join(map(str, summary.duplicates[:10]))
        more = ", …" if len(summary.duplicates) > 10 else ""
        parts.append(f"skipped {len(summary.duplicates)} already imported (lines {lines}{more})")
    parts.append(f"rejected {rejected}")
    click.echo("; ".join(parts))


COMMANDS = [import_responses]
