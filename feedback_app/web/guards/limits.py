"""How large a request body may be, by who sends it: refused with a 413 before it is read.

One rule for the whole app: the API takes ``API_MAX_BODY_BYTES``, the customers' pages
(survey, embed, unsubscribe, re-survey) ``PUBLIC_MAX_BODY_BYTES``, staff pages
``STAFF_MAX_BODY_BYTES``. The request class answers Werkzeug's ``max_content_length`` with
the limit of its route (which bounds each form field too: ``MAX_FORM_MEMORY_SIZE`` is
larger), so a body announced larger is refused before a byte of it is read, and one that
turns out larger (no ``Content-Length``, as in a chunked upload) is refused once it passes
the limit. Whatever reads the body first (a view, the CSRF check, the JSON parser) gets the
same limit.
"""

from __future__ import annotations

from typing import IO

from flask import Request, current_app
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from feedback_app.web.apis import is_api

#: Blueprints of the pages customers post to; ``customer_pages`` adds them.
CUSTOMER_BLUEPRINTS: set[str] = set()


def body_limit(request: Request) -> int:
    """The most bytes the route ``request`` matched may receive."""
    config = current_app.config
    if is_api(request):
        return int(config["API_MAX_BODY_BYTES"])
    if request.blueprint in CUSTOMER_BLUEPRINTS:
        return int(config["PUBLIC_MAX_BODY_BYTES"])
    return int(config["STAFF_MAX_BODY_BYTES"])


class _RefusingStream(LimitedStream):
    """A body of unknown length, refused (413) rather than cut once it runs past the limit.

    Werkzeug's stream stops reading such a body at the limit and hands on what it read, so a
    form or JSON document cut in the middle would be parsed as if it were whole.
    """

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__(stream, limit, is_max=True)
        self._source = stream

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._source.read(1):
            self.on_exhausted()
        return data


class LimitedRequest(Request):
    """A request whose body limits are those of its route (``body_limit``)."""

    @cached_property
    def stream(self) -> IO[bytes]:
        if "wsgi.input_terminated" in self.environ and self.content_length is None:
            return _RefusingStream(self.environ["wsgi.input"], body_limit(self))
        return get_input_stream(self.environ, max_content_length=self.max_content_length)

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:
            return self._max_content_length
        return body_limit(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
