"""Which site shows an embedded survey and where its answers may come from: no app needed."""

from __future__ import annotations

import pytest

from surveys.embedding import (
    EmbeddingProblem,
    EmbeddingRefused,
    allowed_sites,
    check_answer_origin,
    check_site,
    embedding_site,
    origin_of,
)

ALLOWED = allowed_sites(["https://help.example.com", "http://127.0.0.1:5001"])
OURS = {"https://feedback.example.com"}


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://Help.Example.com/articles/42?q=1", "https://help.example.com"),
        ("https://help.example.com:443/", "https://help.example.com"),
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("http://[::1]:8080/x", "http://[::1]:8080"),
        ("null", None),
        ("", None),
        (None, None),
        ("javascript:alert(1)", None),
        ("https://", None),
        ("https://help.example.com:99999", None),
    ],
)
def test_origins_are_written_as_browsers_send_them(url: str | None, origin: str | None) -> None:
    assert origin_of(url) == origin


def site(**given: str | None) -> str:
    arguments: dict[str, str | None] = {"claimed": None, "referer": None, "fetch_dest": None}
    arguments.update(given)
    return embedding_site(ALLOWED, ours=OURS, **arguments)  # type: ignore[arg-type]


def test_the_site_is_the_loaders_origin_or_the_framing_page() -> None:
    assert site(claimed="https://help.example.com") == "https://help.example.com"
    assert site(referer="https://help.example.com/chat") == "https://help.example.com"
    assert (
        site(
            claimed="http://127.0.0.1:5001",
            referer="http://127.0.0.1:5001/page",
            fetch_dest="iframe",
        )
        == "http://127.0.0.1:5001"
    )
    # The widget reloaded inside its frame names our own page.
    assert (
        site(claimed="https://help.example.com", referer="https://feedback.example.com/embed/k")
        == "https://help.example.com"
    )


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({}, EmbeddingProblem.UNKNOWN_SITE),
        ({"claimed": "not an origin"}, EmbeddingProblem.UNKNOWN_SITE),
        ({"claimed": "https://evil.example"}, EmbeddingProblem.SITE_NOT_ALLOWED),
        ({"referer": "https://evil.example/"}, EmbeddingProblem.SITE_NOT_ALLOWED),
        (
            {"claimed": "https://help.example.com", "referer": "https://evil.example/"},
            EmbeddingProblem.SITES_DISAGREE,
        ),
        (
            {"claimed": "https://help.example.com", "fetch_dest": "document"},
            EmbeddingProblem.NOT_FRAMED,
        ),
    ],
)
def test_a_widget_is_not_shown_where_the_survey_does_not_allow_it(
    given: dict[str, str], problem: EmbeddingProblem
) -> None:
    with pytest.raises(EmbeddingRefused) as refused:
        site(**given)
    assert refused.value.problem is problem


def test_a_survey_without_sites_shows_no_widget_and_takes_no_answer() -> None:
    with pytest.raises(EmbeddingRefused) as refused:
        embedding_site(
            frozenset(),
            claimed="https://help.example.com",
            referer=None,
            fetch_dest=None,
            ours=OURS,
        )
    assert refused.value.problem is EmbeddingProblem.NO_SITES
    with pytest.raises(EmbeddingRefused) as refused:
        check_answer_origin(frozenset(), posted_from="https://feedback.example.com", ours=OURS)
    assert refused.value.problem is EmbeddingProblem.NO_SITES


@pytest.mark.parametrize("posted_from", [None, "null", "https://help.example.com", "https://evil"])
def test_an_answer_is_taken_only_from_our_own_page(posted_from: str | None) -> None:
    check_answer_origin(ALLOWED, posted_from="https://feedback.example.com", ours=OURS)
    with pytest.raises(EmbeddingRefused) as refused:
        check_answer_origin(ALLOWED, posted_from=posted_from, ours=OURS)
    assert refused.value.problem is EmbeddingProblem.FOREIGN_POST


def test_a_site_removed_from_the_survey_takes_no_more_answers() -> None:
    check_site(ALLOWED, "https://help.example.com")
    with pytest.raises(EmbeddingRefused) as refused:
        check_site(allowed_sites(["http://127.0.0.1:5001"]), "https://help.example.com")
    assert (refused.value.problem, refused.value.origin) == (
        EmbeddingProblem.SITE_NOT_ALLOWED,
        "https://help.example.com",
    )
