"""What every request passes before a view reads it, and how views read what visitors type.

- ``limits``: the largest body each audience may send, refused with a 413 before it is read.
- ``input``: NUL characters and file parts, refused with a 400 naming the field.
- ``values``: ids in URLs bounded to what a column holds (else a 404), and whole numbers and
  days read from query strings without overflowing Python's calendar or the database.
- ``pages``: the refusals as pages: the customer's own page in their language
  (``customer_pages``), the staff error page, the API's JSON.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import RequestEntityTooLarge

from feedback_app.web.guards.input import refuse_malformed_input
from feedback_app.web.guards.limits import LimitedRequest
from feedback_app.web.guards.values import IdConverter


def register(app: Flask) -> None:
    """Install the guards; call before any blueprint is registered (the ``int`` converter)."""
    # Imported here: the pages render through ``web.answering``, which needs the security
    # headers, which read ``guards.limits``; at module level that would be a cycle.
    from feedback_app.web.guards.pages import too_large

    app.request_class = LimitedRequest
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_malformed_input)
    app.register_error_handler(RequestEntityTooLarge, too_large)
