"""Finding themes in comments: known phrases give exactly those themes, and the French
garden-centre survey gives themes a French reader recognises."""

from __future__ import annotations

import csv
from pathlib import Path

from feedback_app.themes.phrases import Comment, ThemeSet, find_themes, language_of, mentions
from surveys.bucketing import Bucket

UNSATISFIED, SATISFIED = Bucket.UNSATISFIED, Bucket.SATISFIED
GARDEN_CENTRE = Path(__file__).parent.parent / "data" / "garden_center_nps_comments.csv"


def themes_of(
    found: ThemeSet, low: Bucket, high: Bucket
) -> dict[str, tuple[int, float | None, float | None]]:
    return {
        theme.label: (theme.count, found.share(theme, low), found.share(theme, high))
        for theme in found.themes
    }


def comments(*texts: tuple[str, Bucket]) -> list[Comment]:
    return [Comment(number, text, bucket) for number, (text, bucket) in enumerate(texts, 1)]


def test_known_phrases_give_exactly_those_themes_with_their_counts_and_shares() -> None:
    found = find_themes(
        comments(
            ("Long wait on the phone.", UNSATISFIED),
            ("The long wait was annoying.", UNSATISFIED),
            ("Not helpful at all.", UNSATISFIED),
            ("The agent was not helpful.", UNSATISFIED),
            ("Long wait, but friendly staff.", SATISFIED),
            ("Friendly staff!", SATISFIED),
            ("Very friendly staff and quick answer.", SATISFIED),
            ("Quick answer.", SATISFIED),
        )
    )

    assert found.comments == 8
    assert themes_of(found, UNSATISFIED, SATISFIED) == {
        "long wait": (3, 0.5, 0.25),
        "friendly staff": (3, 0.0, 0.75),
        # The negation stays: "helpful" alone would say the opposite.
        "not helpful": (2, 0.5, 0.0),
        "quick answer": (2, 0.0, 0.5),
    }
    by_label = {theme.label: theme for theme in found.themes}
    assert by_label["long wait"].comment_ids == (1, 2, 5)
    assert by_label["not helpful"].by_bucket == {UNSATISFIED: 2}


def test_a_phrase_said_once_is_no_theme_and_no_comments_give_none() -> None:
    assert find_themes(comments(("Slow.", UNSATISFIED), ("Fast.", SATISFIED))).themes == []
    assert find_themes([]).themes == []
    assert find_themes(comments(("!!!", SATISFIED), ("42", SATISFIED))).themes == []


def test_accents_case_and_plurals_make_one_theme_shown_as_most_comments_write_it() -> None:
    found = find_themes(
        comments(
            ("Prix élevés.", Bucket.DETRACTOR),
            ("Les prix élevés, dommage", Bucket.DETRACTOR),
            ("PRIX ELEVES", Bucket.PASSIVE),
            ("Un accueil agréable", Bucket.PROMOTER),
            ("Accueil agréable !", Bucket.PROMOTER),
        )
    )

    assert themes_of(found, Bucket.DETRACTOR, Bucket.PROMOTER) == {
        "prix élevés": (3, 1.0, 0.0),
        "accueil agréable": (2, 0.0, 1.0),
    }
    assert [theme.phrase for theme in found.themes] == ["prix eleve", "accueil agreable"]


def test_a_phrase_never_bridges_a_stop_word_or_a_clause() -> None:
    found = find_themes(
        comments(
            ("Delivery was late, refund quick", SATISFIED),
            ("Delivery was late, refund quick", SATISFIED),
        )
    )

    assert {theme.label for theme in found.themes} == {"delivery", "late", "refund quick"}


def test_the_language_is_the_locale_s_else_the_one_whose_stop_words_the_comment_uses() -> None:
    assert language_of("Le personnel est très aimable et le choix est grand") == "fr"
    assert language_of("The staff were kind and the choice is wide") == "en"
    assert language_of("Super", "fr-CA") == "fr"
    # A language without stop words of ours is read by its words.
    assert language_of("Le personnel est aimable", "de") == "fr"
    assert language_of("") == "en"


def test_mentions_finds_the_comments_that_say_a_pinned_phrase() -> None:
    texts = ["Prix trop élevés", "Les prix sont élevés", "Pas cher, bon accueil", "prix élevé"]

    phrases = ["prix eleve", "trop eleve", "pas cher", "accueil", "unknown word"]

    found = mentions(texts, [None] * 4, phrases)

    # "Prix trop élevés" says "trop élevés", not "prix élevés"; "sont" breaks the second.
    assert found == {
        "prix eleve": {3},
        "trop eleve": {0},
        "pas cher": {2},
        "accueil": {2},
        "unknown word": set(),
    }


def garden_centre() -> list[Comment]:
    with GARDEN_CENTRE.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    return [
        Comment(int(row["rownum"]), row["explication"], nps_bucket(int(row["nps"]))) for row in rows
    ]


def nps_bucket(score: int) -> Bucket:
    if score >= 9:
        return Bucket.PROMOTER
    return Bucket.PASSIVE if score >= 7 else Bucket.DETRACTOR


def test_the_garden_centre_survey_gives_themes_a_french_reader_recognises() -> None:
    found = find_themes(garden_centre())

    assert found.comments == 3802
    shown = {theme.label: theme for theme in found.themes}
    # Prices, staff, advice, the tills, the welcome, the choice and the plants.
    for label in ("prix", "personnel", "conseils", "caisse", "accueil", "choix", "plantes"):
        assert label in shown, sorted(shown)
    # Prices are what detractors complain of; the welcome is what promoters praise.
    low, high = Bucket.DETRACTOR, Bucket.PROMOTER
    prices, welcome = shown["prix"], shown["accueil"]
    assert found.share(prices, low) > 2 * found.share(prices, high)  # type: ignore[operator]
    assert found.share(welcome, high) > 2 * found.share(welcome, low)  # type: ignore[operator]
    assert prices.count == 599
    assert "élevés" in shown
