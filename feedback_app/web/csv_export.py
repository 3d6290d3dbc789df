"""Streaming CSV downloads that spreadsheets cannot turn into formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, request, stream_with_context

from feedback_app.audit import service as audit

#: A text cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Rows written per chunk sent to the client.
CHUNK_ROWS = 500


def safe_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with ``'``; numbers pass as is.

    Numbers are written by us, never by a customer, so a negative NPS stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def readable_cell(value: Any) -> Any:
    """A value as people write it: yes or no, not True or False; at most two decimals."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        rounded = round(value, 2)
        return int(rounded) if rounded.is_integer() else rounded
    return value


def csv_rows(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, in chunks of ``CHUNK_ROWS`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(readable_cell(value)) for value in row])
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def stream_csv(filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Response:
    """A download streamed as it is produced, so memory stays flat at any number of rows."""
    audit.record("export.csv", f"file:{filename}", {"query": request.args.to_dict()}, commit=True)
    return Response(
        stream_with_context(csv_rows(header, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
