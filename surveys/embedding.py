"""Which site shows an embedded survey, and whether an answer may come from it.

A browser tells us two different origins. The widget's document is ours, so a form posted
from inside the iframe carries *our* origin in its ``Origin`` header, while a form on another
site's page carries that site's. The host page's origin, the one a survey allows, is only
known when the widget is loaded: the embed loader passes it (``location.origin``) and the
browser's ``Referer`` names the framing page. So the widget is served only to an allowed site,
which is remembered in the signed form token, and an answer is taken only when posted from our
own origin with a token whose site is still allowed.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from urllib.parse import urlsplit

from surveys.errors import DomainError

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: ``Sec-Fetch-Dest`` of a document loaded in a frame; a browser sends it itself.
_FRAMED = frozenset({"iframe", "frame"})


class EmbeddingProblem(enum.StrEnum):
    """Why a widget is not shown or an answer not taken, for a page that says so."""

    #: The survey lists no site that may show it.
    NO_SITES = "no_sites"
    #: Neither the loader nor the browser said which site shows the widget.
    UNKNOWN_SITE = "unknown_site"
    #: The loader and the browser name different sites.
    SITES_DISAGREE = "sites_disagree"
    #: The browser opened the widget on its own, not in a frame.
    NOT_FRAMED = "not_framed"
    SITE_NOT_ALLOWED = "site_not_allowed"
    #: The answer was posted from another site's page, or by a script with no origin.
    FOREIGN_POST = "foreign_post"


class EmbeddingRefused(DomainError):
    def __init__(self, problem: EmbeddingProblem, origin: str | None = None) -> None:
        super().__init__(f"embedding refused: {problem.value}", field="origin")
        self.problem = problem
        self.origin = origin


def origin_of(url: str | None) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL or origin, in the form browsers
    send it (lower case, default port left out); None for anything else, ``null`` included."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown_port = "" if port in (None, _DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host}{shown_port}"


def allowed_sites(origins: Iterable[str]) -> frozenset[str]:
    """A survey's allowed origins in the form browsers send them."""
    return frozenset(site for site in map(origin_of, origins) if site is not None)


def embedding_site(
    allowed: Collection[str],
    *,
    claimed: str | None,
    referer: str | None,
    fetch_dest: str | None,
    ours: Collection[str],
) -> str:
    """The site showing the widget, if it may; else raise ``EmbeddingRefused``.

    :param allowed: the survey's ``allowed_sites``.
    :param claimed: the host page's origin as the embed loader passes it (``?origin=``).
    :param referer: the browser's ``Referer``; ignored when it is our own page (the widget
        reloaded in its frame).
    :param fetch_dest: the browser's ``Sec-Fetch-Dest``, None from clients that send none.
    :param ours: our own origins.
    """
    if not allowed:
        raise EmbeddingRefused(EmbeddingProblem.NO_SITES)
    if fetch_dest is not None and fetch_dest not in _FRAMED:
        raise EmbeddingRefused(EmbeddingProblem.NOT_FRAMED)
    referred = origin_of(referer)
    if referred in ours:
        referred = None
    site = origin_of(claimed) if claimed else referred
    if site is None:
        raise EmbeddingRefused(EmbeddingProblem.UNKNOWN_SITE)
    if referred is not None and referred != site:
        raise EmbeddingRefused(EmbeddingProblem.SITES_DISAGREE, site)
    if site not in allowed:
        raise EmbeddingRefused(EmbeddingProblem.SITE_NOT_ALLOWED, site)
    return site


def check_answer_origin(
    allowed: Collection[str], *, posted_from: str | None, ours: Collection[str]
) -> None:
    """Raise ``EmbeddingRefused`` unless the survey takes embedded answers and this one was
    posted from our own page (its ``Origin`` header, ``posted_from``, is one of ``ours``)."""
    if not allowed:
        raise EmbeddingRefused(EmbeddingProblem.NO_SITES)
    if origin_of(posted_from) not in ours:
        raise EmbeddingRefused(EmbeddingProblem.FOREIGN_POST, origin_of(posted_from))


def check_site(allowed: Collection[str], site: str) -> None:
    """Raise ``EmbeddingRefused`` if ``site``, where the widget was shown, is no longer
    allowed."""
    if site not in allowed:
        raise EmbeddingRefused(EmbeddingProblem.SITE_NOT_ALLOWED, site)
