"""Log lines with a request id, as text or JSON (``LOG_FORMAT``), and the id on each response.

No line ever holds a survey link's token: ``mask_tokens`` cuts them from the app's own lines,
the development server's request lines and gunicorn's access and error logs.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from werkzeug.wrappers import Response as WerkzeugResponse

REQUEST_ID_HEADER = "X-Request-ID"
#: A proxy's id is reused only if it looks like one; anything else could forge log lines.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HANDLER_NAME = "feedback-app"
#: A capability in a path: the token of a survey (``/s/``), unsubscribe (``/u/``) or follow-up
#: (``/r/``) link, wherever the app is mounted and even in a Referer.
_TOKEN_IN_PATH = re.compile(r"(/[sur]/)([^/?#\s\"']+)")
#: A capability in a query string: an embed's signed identity (the customer and its
#: signature replay as that customer) or any ``token``.
_TOKEN_IN_QUERY = re.compile(r"([?&](?:customer|signature|token)=)([^&#\s\"']+)")
#: Characters of a masked value still shown, to tell two links apart when reading a log.
_SHOWN = 4


def _masked(match: re.Match[str]) -> str:
    value = match.group(2)
    return f"{match.group(1)}…{value[-_SHOWN:] if len(value) > 2 * _SHOWN else ''}"


def mask_tokens(text: str) -> str:
    """``text`` with every capability token cut to its last characters, e.g. ``/s/…abcd``."""
    return _TOKEN_IN_QUERY.sub(_masked, _TOKEN_IN_PATH.sub(_masked, text))


class TokenMaskingFilter(logging.Filter):
    """Rewrites each record's message with its tokens masked (see ``mask_tokens``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or "-") on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """Attach one handler to the app's loggers; repeated app creation does not stack handlers."""
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    # Flask logs "Exception on <path>"; any line may quote a URL.
    handler.addFilter(TokenMaskingFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    for name in ("feedback_app", "notifications", "surveys"):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(app.config["LOG_LEVEL"])
        logger.propagate = False
    mask_logger(logging.getLogger("werkzeug"))  # the development server's request lines

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response: WerkzeugResponse) -> WerkzeugResponse:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
        return response


def mask_logger(logger: logging.Logger) -> None:
    """Mask tokens in every line ``logger`` itself writes (once, however often called)."""
    if not any(isinstance(f, TokenMaskingFilter) for f in logger.filters):
        logger.addFilter(TokenMaskingFilter())
