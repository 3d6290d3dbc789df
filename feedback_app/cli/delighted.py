"""``feedback import-delighted``: a Delighted account's people, opt-outs and responses, from
the CSV files of its export or a JSON dump made with its client."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from feedback_app.audit import service as audit
from feedback_app.cli.imports import _readable, _records
from feedback_app.clock import utcnow
from feedback_app.delighted.imports import (
    DelightedSummary,
    import_opt_outs,
    import_people,
    import_responses,
)
from surveys.delighted_export import Section, parse_record, section_of
from surveys.imports import RowError

#: Places of rows already imported shown in the summary; the rest are counted.
PLACES_SHOWN = 10


def _sections(file: Path, encoding: str) -> list[Section]:
    """What ``file`` holds: a CSV file one section, told by its columns; a JSON dump the
    lists it has."""
    if file.suffix.lower() == ".json":
        return [section for section in Section if section.value in _dump(file, encoding)]
    with file.open(newline="", encoding=encoding) as handle:
        headers = next(csv.reader(handle), [])
    section = section_of(headers)
    if section is None:
        raise click.ClickException(
            f"{file.name} is none of Delighted's exports (people, unsubscribes, bounces, "
            f"survey responses); its columns are {', '.join(headers)}"
        )
    return [section]


def _dump(file: Path, encoding: str) -> dict[str, Any]:
    try:
        document = json.loads(file.read_text(encoding=encoding))
    except (ValueError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file.name} is not JSON: {error}") from None
    if not isinstance(document, dict) or not all(
        isinstance(document.get(section.value, []), list) for section in Section
    ):
        names = ", ".join(section.value for section in Section)
        raise click.ClickException(f"{file.name} must be a JSON object of lists: {names}")
    return document


def _records_of(
    file: Path, section: Section, encoding: str
) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Each record of ``section`` in ``file``, its place, and whether it is a CSV row."""
    if file.suffix.lower() == ".json":
        for number, item in enumerate(_dump(file, encoding)[section.value], 1):
            yield f"{file.name} {section.value} item {number}", item, False
        return
    with file.open(newline="", encoding=encoding) as handle:
        reader = csv.DictReader(handle)
        with _readable(reader):
            reader.fieldnames  # noqa: B018 (the header read, the first row is on line 2)
            for line, record in _records(reader):
                yield f"{file.name} line {line}", record, True


@click.command("import-delighted")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--encoding", default="utf-8-sig", show_default=True)
def import_delighted(files: tuple[Path, ...], encoding: str) -> None:
    """Import FILES: the CSV files of a Delighted export (people, unsubscribes, bounces,
    survey responses; each told by its columns) or a JSON dump of those lists.

    People go in first, then opt-outs, then responses, whatever the order of FILES. What was
    imported before (the same Delighted id) is left as it is. Bad rows are reported as
    "FILE line N: field: problem" and left out; the exit status is 1 when any was.
    """
    now = utcnow()
    found = {file: _sections(file, encoding) for file in files}
    holding = {section: [f for f in files if section in found[f]] for section in Section}
    summary = DelightedSummary()
    rejected: list[tuple[str, RowError]] = []

    def rows(section: Section) -> Iterator[Any]:
        for file in holding[section]:
            for place, record, from_csv in _records_of(file, section, encoding):
                try:
                    yield parse_record(section, place, record, now, from_csv=from_csv)
                except RowError as error:
                    rejected.append((place, error))

    import_people(rows(Section.PEOPLE), now, summary, rejected)
    for section in (Section.UNSUBSCRIBES, Section.BOUNCES):
        import_opt_outs(section, rows(section), now, summary, rejected)
    import_responses(rows(Section.SURVEY_RESPONSES), now, summary, rejected)
    for place, error in rejected:
        click.echo(f"{place}: {error.message}", err=True)
    click.echo(_summary(summary, len(rejected)))
    audit.record(
        "delighted.imported",
        "",
        {section.value: count for section, count in summary.imported.items()},
        commit=True,
    )
    if rejected:
        sys.exit(1)


def _summary(summary: DelightedSummary, rejected: int) -> str:
    counts = ", ".join(
        f"{count} {section.value.replace('_', ' ')}" for section, count in summary.imported.items()
    )
    parts = [f"imported {counts}"]
    if summary.already:
        places = "; ".join(summary.already[:PLACES_SHOWN])
        more = "; …" if len(summary.already) > PLACES_SHOWN else ""
        parts.append(f"skipped {len(summary.already)} already imported ({places}{more})")
    parts.append(f"rejected {rejected}")
    return "; ".join(parts)


COMMANDS = [import_delighted]
