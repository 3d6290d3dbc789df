"""A Delighted-compatible REST API under ``/v1/``: Delighted's scripts and official clients
move to this server by changing their base URL.

``api`` holds the plumbing (Basic keys, the ``.json`` suffix, bracketed inputs, Delighted's
error shape); each resource has a module of views over a service module, declared with the
same ``operation`` layer as ``/api/v1`` and documented at ``/v1/openapi.json``.
"""

from __future__ import annotations

from flask import Flask

from feedback_app.extensions import csrf
from feedback_app.web.apis import Api, declare_api


def register_delighted(app: Flask) -> None:
    """Mount the Delighted API; after ``register_api``, whose ``id`` converter it uses."""
    from feedback_app.delighted import (  # noqa: F401
        autopilot,
        document,
        metrics,
        people,
        responses,
        suppressions,
    )
    from feedback_app.delighted.api import PREFIX, bp, http_error

    csrf.exempt(bp)
    app.register_blueprint(bp)
    declare_api(app, Api(bp.name, f"{PREFIX}/", http_error))
