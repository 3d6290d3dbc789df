"""Key phrases of comments: TF-IDF over one- to three-word phrases, per-language stop words.

Plain Python taking values and returning values (no Flask, no database): the worker feeds it
the comments of a period and keeps what it returns, and pinned themes use ``phrases_of`` to
tag new comments that match.

A phrase is a run of one to three words of one clause that are not stop words, so it reads as
the customer wrote it ("bon accueil", "trop cher", "long wait"); a phrase never bridges a
removed word or a comma, which scikit-learn's own n-grams (made after removing stop words) would.
Words are compared lower-cased, without accents and without a plural ``s``, because customers
write "prix élevés", "PRIX ELEVES" and "prix élevé" for one theme; each theme is shown in the
form its comments use most. Negations and "too" are modifiers: kept inside a phrase ("pas
cher", "not helpful") but never a theme on their own nor a phrase's last word, since removing
them as stop words would count "not helpful" as "helpful".

Scores are scikit-learn's TF-IDF weights summed over the comments (sublinear term frequency,
each comment normalised), which favours phrases many comments use without being everywhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfTransformer

from surveys.bucketing import Bucket

#: The longest phrase, in words.
MAX_WORDS = 3
#: The languages with stop words; a comment in another language is read as the closest one.
LANGUAGES = ("en", "fr")
#: Words kept inside phrases but never a theme alone nor a phrase's end (see the docstring).
MODIFIERS = {
    "en": frozenset({"not", "no", "never", "nothing", "too", "don", "didn", "doesn", "isn"}),
    "fr": frozenset({"pas", "jamais", "rien", "aucun", "aucune", "trop", "sans", "manque"}),
}
#: The contraction stubs the tokenizer leaves ("don't" -> "don", "t"), which sklearn's list
#: lacks; they are modifiers or stop words, never themes.
ENGLISH_EXTRA = frozenset({"wasn", "aren", "weren", "won", "ve", "ll", "im", "got", "just"})


def _read_words(name: str) -> frozenset[str]:
    """A word list kept next to this module: one word a line, ``#`` starts a comment."""
    text = (Path(__file__).parent / name).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(line for line in lines if line)


#: scikit-learn ships English stop words only, so French is our own list (stop_words_fr.txt).
STOP_WORDS: Mapping[str, frozenset[str]] = {
    "en": (ENGLISH_STOP_WORDS | ENGLISH_EXTRA) - MODIFIERS["en"],
    "fr": _read_words("stop_words_fr.txt") - MODIFIERS["fr"],
}

#: A run of letters or digits (only letters make a word), a clause break, or the NUL that
#: separates comments in the corpus.
TOKEN = re.compile(r"\w+|[.!?;:,()\[\]{}\"«»“”…\u2013\u2014\n\r\x00]")
SEPARATOR = "\x00"


@functools.lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """``word`` lower-cased and without accents, as phrases and stop words compare."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _key(folded: str) -> str:
    """A folded word without its plural ``s`` ("caisses" and "caisse" are one word)."""
    return folded[:-1] if len(folded) > 3 and folded.endswith("s") else folded


def _language(locale: str | None) -> int | None:
    """The index in ``LANGUAGES`` of the locale's language, if we have its stop words."""
    primary = (locale or "").split("-", 1)[0].lower()
    return LANGUAGES.index(primary) if primary in LANGUAGES else None


@dataclass(frozen=True)
class _Grams:
    """Every phrase occurrence of a corpus, as integer codes (numpy does the counting).

    A phrase's code packs its words' key ids, each plus one, in base ``base``; ``surfaces``
    packs the words as written (lower-cased) the same way, for the shown form.
    """

    #: The index in ``LANGUAGES`` each comment was read in.
    languages: np.ndarray
    #: The comment each occurrence is in.
    rows: np.ndarray
    codes: np.ndarray
    surface_codes: np.ndarray
    keys: list[str]
    surfaces: list[str]

    def phrase(self, code: int) -> str:
        return _decode(code, self.keys)

    def surface(self, code: int) -> str:
        return _decode(code, self.surfaces)


def _decode(code: int, words: list[str]) -> str:
    base = len(words) + 1
    parts = []
    while code:
        code, digit = divmod(code, base)
        parts.append(words[digit - 1])
    return " ".join(reversed(parts))


def _grams(texts: Sequence[str], locales: Sequence[str | None]) -> _Grams:
    """The phrases of ``texts``: each in the language of its locale when we have that
    language's stop words, else in the one whose stop words it uses most (English on a tie).

    The whole corpus is tokenized by one regular expression and then handled as arrays, so
    100,000 comments take well under a second where a loop over each comment's words would
    take tens of seconds.
    """
    corpus = SEPARATOR.join(text.replace(SEPARATOR, " ") for text in texts).lower()
    tokens = TOKEN.findall(corpus)
    surfaces = list(dict.fromkeys(tokens))
    index = {word: number for number, word in enumerate(surfaces)}
    ids = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    folded = [fold(word) if len(word) > 1 and word.isalpha() else "" for word in surfaces]
    keys = list(dict.fromkeys(_key(word) for word in folded if word))
    key_index = {key: number for number, key in enumerate(keys)}
    key_of = np.array([key_index[_key(word)] if word else -1 for word in folded], dtype=np.int64)
    # Per language and word: a stop word (and a real word, for guessing the language) or a
    # modifier. Anything but a word of two letters or more breaks a phrase.
    stop_words = np.array(
        [[w in STOP_WORDS[lang] for w in folded] for lang in LANGUAGES], dtype=bool
    ).reshape(len(LANGUAGES), len(folded))
    modifiers = np.array(
        [[w in MODIFIERS[lang] for w in folded] for lang in LANGUAGES], dtype=bool
    ).reshape(len(LANGUAGES), len(folded))
    breaks = stop_words | (key_of < 0)
    document = np.cumsum(ids == index.get(SEPARATOR, -1))
    hits = np.stack(
        [np.bincount(document, weights=row[ids], minlength=len(texts)) for row in stop_words]
    )
    # The first language with the most hits: English on a tie.
    language = np.argmax(hits, axis=0)
    for number, locale in enumerate(locales):
        chosen = _language(locale)
        if chosen is not None:
            language[number] = chosen
    of_token = language[document]
    open_ = ~breaks[of_token, ids]
    ending = open_ & ~modifiers[of_token, ids]
    base, surface_base = len(keys) + 1, len(surfaces) + 1
    if base**MAX_WORDS >= 2**63 or surface_base**MAX_WORDS >= 2**63:
        raise ValueError("too many distinct words to pack a phrase in 64 bits")
    key_codes, surface_codes = key_of[ids] + 1, ids + 1
    rows, codes, surface = [], [], []
    within = np.ones(len(ids), dtype=bool)
    code, surface_code = np.zeros(len(ids), np.int64), np.zeros(len(ids), np.int64)
    for size in range(1, MAX_WORDS + 1):
        count = len(ids) - size + 1
        if count <= 0:
            break
        last = size - 1
        within = within[:count] & open_[last : last + count]
        code = code[:count] * base + key_codes[last : last + count]
        surface_code = surface_code[:count] * surface_base + surface_codes[last : last + count]
        found = np.flatnonzero(within & ending[last : last + count])
        rows.append(document[found])
        codes.append(code[found])
        surface.append(surface_code[found])
    return _Grams(
        language,
        np.concatenate(rows) if rows else np.zeros(0, np.int64),
        np.concatenate(codes) if codes else np.zeros(0, np.int64),
        np.concatenate(surface) if surface else np.zeros(0, np.int64),
        keys,
        surfaces,
    )


def language_of(text: str, locale: str | None = None) -> str:
    """The language whose stop words ``text`` is read with (see ``_grams``)."""
    return LANGUAGES[int(_grams([text], [locale]).languages[0])]


def mentions(
    texts: Sequence[str], locales: Sequence[str | None], phrases: Sequence[str]
) -> dict[str, set[int]]:
    """For each phrase (as keys: "prix eleve"), the indexes of the texts that mention it."""
    grams = _grams(texts, locales)
    key_index = {key: number for number, key in enumerate(grams.keys)}
    found: dict[str, set[int]] = {}
    for phrase in phrases:
        words = phrase.split()
        code = 0
        for word in words:
            code = code * (len(grams.keys) + 1) + key_index.get(word, -1) + 1
        known = 0 < len(words) <= MAX_WORDS and all(word in key_index for word in words)
        rows = grams.rows[grams.codes == code] if known else ()
        found[phrase] = {int(row) for row in rows}
    return found


@dataclass(frozen=True)
class Comment:
    """A comment to find themes in: its response's id, text, bucket and locale."""

    id: int
    text: str
    bucket: Bucket
    locale: str | None = None


@dataclass(frozen=True)
class Theme:
    #: The phrase as compared: folded words ("prix eleve").
    phrase: str
    #: The phrase as its comments write it most ("prix élevés").
    label: str
    #: The TF-IDF weights of the phrase summed over the comments.
    score: float
    #: The comments that mention it, in the order they were given.
    comment_ids: tuple[int, ...]
    #: How many of those are in each bucket.
    by_bucket: Mapping[Bucket, int]

    @property
    def count(self) -> int:
        return len(self.comment_ids)


@dataclass(frozen=True)
class ThemeSet:
    """The themes of some comments, and how many comments there were in each bucket."""

    comments: int
    comments_by_bucket: Mapping[Bucket, int]
    themes: list[Theme]

    def share(self, theme: Theme, bucket: Bucket) -> float | None:
        """The part of ``bucket``'s comments that mention ``theme``; None with no comment."""
        total = self.comments_by_bucket.get(bucket, 0)
        return theme.by_bucket.get(bucket, 0) / total if total else None


#: The part of a phrase's comments a longer phrase must cover to stand for it.
OVERLAP = 0.8
#: How many candidates per theme shown are looked at for longer phrases.
CANDIDATES = 10


def find_themes(comments: Sequence[Comment], *, limit: int = 20, min_count: int = 2) -> ThemeSet:
    """The ``limit`` best themes of ``comments``, each mentioned by at least ``min_count``.

    A phrase mostly said as part of a longer one gives way to it: when at least ``OVERLAP``
    of the comments that say "qualité prix" say "rapport qualité prix", only the longer is
    kept; and a longer phrase that covers less of a kept one is left out as a repeat.
    """
    buckets = Counter(comment.bucket for comment in comments)
    grams = _grams([c.text for c in comments], [c.locale for c in comments])
    vocabulary, columns = np.unique(grams.codes, return_inverse=True)
    counts = sparse.csc_matrix(
        (np.ones(len(columns)), (grams.rows, columns)), shape=(len(comments), len(vocabulary))
    )
    counts.sum_duplicates()
    frequent = np.flatnonzero(np.diff(counts.indptr) >= min_count)
    if not len(frequent):
        return ThemeSet(len(comments), buckets, [])
    counts = counts[:, frequent]
    vocabulary = vocabulary[frequent]
    weights = TfidfTransformer(sublinear_tf=True).fit_transform(counts.tocsr()).tocsc()
    scores = np.asarray(weights.sum(axis=0)).ravel()
    mentions = np.diff(counts.indptr)
    phrases = [grams.phrase(int(code)) for code in vocabulary]
    order = np.lexsort((phrases, -scores))
    chosen = _without_overlaps([int(i) for i in order], phrases, mentions, limit)
    themes = []
    for column in chosen:
        rows = counts.indices[counts.indptr[column] : counts.indptr[column + 1]]
        mentioned = [comments[row] for row in np.sort(rows)]
        themes.append(
            Theme(
                phrase=phrases[column],
                label=_label(grams, int(vocabulary[column])),
                score=round(float(scores[column]), 6),
                comment_ids=tuple(c.id for c in mentioned),
                by_bucket=Counter(c.bucket for c in mentioned),
            )
        )
    return ThemeSet(len(comments), buckets, themes)


def _contains(longer: str, shorter: str) -> bool:
    return longer != shorter and f" {shorter} " in f" {longer} "


def _without_overlaps(
    ranked: list[int], phrases: list[str], mentions: np.ndarray, limit: int
) -> list[int]:
    """The best ``limit`` columns of ``ranked`` once overlapping phrases are merged.

    The first ``CANDIDATES`` times ``limit`` are looked at, so that a longer phrase ranked
    below the limit can still stand for a shorter one that made it.
    """
    chosen: list[int] = []
    for column in ranked[: limit * CANDIDATES]:
        phrase, count = phrases[column], mentions[column]
        if any(_contains(phrases[kept], phrase) for kept in chosen):
            continue
        covered = [kept for kept in chosen if _contains(phrase, phrases[kept])]
        if not covered:
            if len(chosen) < limit:
                chosen.append(column)
        elif all(count >= OVERLAP * mentions[kept] for kept in covered):
            chosen = [column if kept == covered[0] else kept for kept in chosen]
            chosen = [kept for kept in chosen if kept not in covered[1:]]
    return chosen


def _label(grams: _Grams, code: int) -> str:
    """The commonest way the comments write the phrase ``code`` (alphabetical on a tie)."""
    forms, counts = np.unique(grams.surface_codes[grams.codes == code], return_counts=True)
    written = zip(counts, forms, strict=True)
    return min((-int(n), grams.surface(int(form))) for n, form in written)[1]
