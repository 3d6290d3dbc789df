"""Characters and parts no page takes, refused before any view reads them.

PostgreSQL cannot store a NUL character in text (SQLite can), so a NUL in a comment, a search
or a token would pass the form and fail at the database; and a field sent as a file part
reaches a form as a file object instead of text. No page takes a file (imports are a
command), so both are refused here, once for every page, naming the field. The JSON API
reads its own input.
"""

from __future__ import annotations

import enum

from flask import request
from werkzeug.exceptions import BadRequest

from feedback_app.web.apis import is_api

NUL = "\x00"


class Oddity(enum.StrEnum):
    NUL = "nul"
    FILE = "file"


class MalformedInput(BadRequest):
    """A 400 naming the field (None: the address) and what is wrong with it."""

    def __init__(self, field: str | None, oddity: Oddity) -> None:
        where = "The address" if field is None else f"The field “{field}”"
        what = (
            "contains a NUL character, which nothing here can hold"
            if oddity is Oddity.NUL
            else "was sent as a file; this page only takes text"
        )
        super().__init__(f"{where} {what}.")
        self.field = field
        self.oddity = oddity


def refuse_malformed_input() -> None:
    """Raise ``MalformedInput`` for a NUL anywhere in the address, the query or the form, or a
    file part in the form."""
    if is_api(request):
        # An API reads its own input. An address no route matched is still refused here for
        # a NUL in it, which no route could hold; its query is not read, so it is a 404.
        if request.url_rule is None and NUL in request.path:
            raise MalformedInput(None, Oddity.NUL)
        return
    if NUL in request.path:
        raise MalformedInput(None, Oddity.NUL)
    for values in (request.args, request.form):
        for name, value in values.items(multi=True):
            if NUL in name or NUL in value:
                raise MalformedInput(name.replace(NUL, ""), Oddity.NUL)
    for name in request.files:
        raise MalformedInput(name.replace(NUL, ""), Oddity.FILE)
