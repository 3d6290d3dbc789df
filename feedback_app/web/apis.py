"""Which routes are a JSON API's: they read their own input, take API-sized bodies, act as
the calling key and answer errors in their own shape. Ours under /api/, and the
Delighted-compatible one under /v1/.

Each API declares itself when it is mounted (``declare_api``), so the guards, the audit and
the error handlers ask one registry instead of each keeping its list of prefixes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Request, current_app
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

#: ``app.extensions`` key: the declared APIs.
APIS = "feedback.apis"


@dataclass(frozen=True)
class Api:
    #: The blueprint holding the API's routes (nested ones count as it).
    blueprint: str
    #: The path prefix of every route, ending in "/".
    prefix: str
    #: How the API writes a routing or protocol error (404, 405, 413…) in its own shape.
    answer_error: Callable[[HTTPException], WerkzeugResponse]


def declare_api(app: Flask, api: Api) -> None:
    app.extensions.setdefault(APIS, []).append(api)


def api_of(request: Request) -> Api | None:
    """The API whose route ``request`` matched; when none matched, the one whose prefix the
    path is under, so that API answers its 404 before anything a page would refuse."""
    for api in current_app.extensions.get(APIS, ()):
        if request.url_rule is None:
            if request.path.startswith(api.prefix):
                return api
        elif api.blueprint in request.blueprints:
            return api
    return None


def is_api(request: Request) -> bool:
    return api_of(request) is not None
