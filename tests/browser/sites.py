"""Other sites a customer meets our survey on: a host page carrying the embed snippet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def host_page(script: str) -> Callable[..., list[bytes]]:
    """A third-party site's page carrying the embed snippet."""
    body = f"<!doctype html><title>Help centre</title><h1>Help centre</h1>{script}".encode()

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    return wsgi
