"""Which routes are a JSON API's: they read their own input, take API-sized bodies and act
as the calling key. Ours under /api/, and the Delighted-compatible one under /v1/."""

from __future__ import annotations

from flask import Request

API_BLUEPRINTS = frozenset({"api", "delighted"})
API_PREFIXES = ("/api/", "/v1/")


def is_api(request: Request) -> bool:
    """The route ``request`` matched is one of an API's; when none matched, the path is under
    an API's prefix, so the API answers its 404 before anything a page would refuse."""
    if request.url_rule is None:
        return request.path.startswith(API_PREFIXES)
    return not API_BLUEPRINTS.isdisjoint(request.blueprints)
