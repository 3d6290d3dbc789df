"""The secret key: how strong a configured one is, and the per-installation development key.

The key signs staff sessions, forms, embed tokens and survey links, so a guessable key is a
forged admin session. Production and the server processes refuse a key below ``MIN_BITS``.

The strength estimate is written here rather than taken from a password-strength library:
those (zxcvbn and its ports) model human passwords and rate long random strings at ten
guesses a character, so a 43-character ``secrets.token_urlsafe(32)`` would score far below
the 256 bits it has. This estimate starts from the alphabet the key draws on and then takes
away what a random key would almost never show: repeats (the key compresses), runs such as
``abcdefgh``, and words (a phrase counts per word, not per letter). It is tuned so that
every ``token_urlsafe(32)`` and ``token_hex(32)`` passes.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import zlib

#: 32 bytes: what ``secrets.token_urlsafe(32)`` (43 characters) or ``token_hex(32)`` give.
MIN_BITS = 256
#: Printed with every refusal.
HOW_TO_MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
#: Keys anyone can read: what ``instance/config.example.py`` once held, and the development
#: key that was once a constant in the code.
EXAMPLE_KEYS = frozenset({"change-me", "dev-insecure-secret-key"})
#: The development key's file in the instance folder (git-ignored with the whole folder).
DEVELOPMENT_KEY_FILE = "development-secret-key"

#: Groups of characters a key may draw on, with how many characters each holds.
_GROUPS = (
    (re.compile(r"[0-9]"), 10),
    (re.compile(r"[a-z]"), 26),
    (re.compile(r"[A-Z]"), 26),
    (re.compile(r"[-_]"), 2),
    (re.compile(r"[+/=]"), 3),
    (re.compile(r"[ !\"#$%&'()*,.:;<>?@\[\\\]^`{|}~]"), 28),
    (re.compile(r"[^\x20-\x7e]"), 100),
)
_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")
#: What separates the parts of a phrase: anything but letters and digits.
_SEPARATORS = re.compile(r"[\W_]+")
_WORD_AND_NUMBER = re.compile(r"(?P<letters>[^\W\d_]*)(?P<digits>\d*)")
_NUMBER_AND_WORD = re.compile(r"(?P<digits>\d+)(?P<letters>[^\W\d_]+)")
_CAMEL_CASE = re.compile(r"(?:[A-Z][a-z]+)+")
#: A phrase separates its words with a few kinds of character (space, hyphen, dot...).
_PHRASE_SEPARATORS = 5
#: A word counts as one drawn from a list of 7,776 (Diceware's), per started 8 letters.
_WORD_BITS = math.log2(7776)
_WORD_LETTERS = 8
#: A run of this many characters each one step (or no step) from the last, like
#: ``abcdefgh``; long enough that a random hex key shows one once in a million.
_RUN = 8


def strength_bits(key: str | bytes) -> float:
    """Estimate the entropy of ``key`` in bits: the least of the estimates below."""
    if isinstance(key, bytes):
        try:
            key = key.decode("ascii")
        except UnicodeDecodeError:
            # Raw bytes (os.urandom): eight bits each, unless the key is mostly repeats.
            compressed = _compressed_bits(key)
            return 8.0 * len(key) if compressed >= 4 * len(key) else compressed
    estimates = [_alphabet_bits(key), _compressed_bits(key.encode())]
    words = _phrase_bits(key)
    if words is not None:
        estimates.append(words)
    return min(estimates)


def _alphabet_bits(key: str) -> float:
    """Length times the bits a character of the key's alphabet carries; a run counts once."""
    if not key:
        return 0.0
    if _HEX.fullmatch(key):
        alphabet = 16
    else:
        used = [pattern.search(key) is not None for pattern, _ in _GROUPS]
        # Both cases: the key is taken for a mix of letters and digits even if no digit
        # happened to come up, as in one 43-character token_urlsafe(32) in 1,500.
        used[0] = used[0] or (used[1] and used[2])
        alphabet = sum(size for (_, size), yes in zip(_GROUPS, used, strict=True) if yes)
    return _length_without_runs(key) * math.log2(alphabet)


def _length_without_runs(key: str) -> int:
    """The key's length, each run of ``_RUN`` or more steady steps counted as one character."""
    length, start = len(key), 0
    while start < len(key) - 1:
        step = ord(key[start + 1]) - ord(key[start])
        end = start + 1
        if abs(step) <= 1:
            while end + 1 < len(key) and ord(key[end + 1]) - ord(key[end]) == step:
                end += 1
            if end - start + 1 >= _RUN:
                length -= end - start
        start = end
    return length


def _compressed_bits(data: bytes) -> float:
    """Bits of the key once deflated: a repeated key shrinks, a random one does not."""
    overhead = len(zlib.compress(b"", 9))
    return 8.0 * max(0, len(zlib.compress(data, 9)) - overhead)


def _phrase_bits(key: str) -> float | None:
    """A key made of words and numbers counts per word; None if it is not such a phrase.

    Its parts, between anything but letters and digits, are words (in one case, or
    ``CamelCase``), numbers, or a word and a number (``v1``, ``2nd``). A random key mixes
    letters, digits and case within its parts, and a random key of printable characters
    more kinds of separator than a phrase has, so neither is read as one. Separators count
    as drawn from those the key uses: nothing for spaces alone.
    """
    separators = "".join(_SEPARATORS.findall(key))
    kinds = len(set(separators))
    if kinds > _PHRASE_SEPARATORS:
        return None
    bits = len(separators) * math.log2(kinds) if separators else 0.0
    for part in _SEPARATORS.split(key):
        found = _WORD_AND_NUMBER.fullmatch(part) or _NUMBER_AND_WORD.fullmatch(part)
        if found is None:
            return None
        letters, digits = found["letters"], found["digits"]
        if letters.islower() or letters.isupper():
            words = [letters]
        elif _CAMEL_CASE.fullmatch(letters):
            words = re.findall(r"[A-Z][a-z]+", letters)
        elif letters:
            return None
        else:
            words = []
        bits += sum(_WORD_BITS * math.ceil(len(word) / _WORD_LETTERS) for word in words)
        bits += len(digits) * math.log2(10)
    return bits


def weakness(key: str | bytes | None, development_key: str | None) -> str | None:
    """Why ``key`` must not sign anything outside development, or None if it may."""
    if not key:
        return "it is not set"
    text = key.decode(errors="replace") if isinstance(key, bytes) else key
    if text.strip() in EXAMPLE_KEYS:
        return "it is a published example value"
    if development_key is not None and text.strip() == development_key:
        return "it is this installation's development key"
    bits = strength_bits(key)
    if bits < MIN_BITS:
        return f"it has about {bits:.0f} bits of entropy, {MIN_BITS} needed"
    return None


def development_key_path(instance_path: str) -> str:
    return os.path.join(instance_path, DEVELOPMENT_KEY_FILE)


def read_development_key(instance_path: str) -> str | None:
    """This installation's development key, or None if none was made yet."""
    try:
        with open(development_key_path(instance_path), encoding="ascii") as file:
            return file.read().strip() or None
    except FileNotFoundError:
        return None


def development_key(instance_path: str) -> str:
    """Read the development key, making it on first use: random, readable by the owner only.

    Written to a temporary file and linked into place, so two processes starting at once
    (the reloader and its child) end up with the same key, never a half-written one.
    """
    key = read_development_key(instance_path)
    if key is not None:
        return key
    path = development_key_path(instance_path)
    key = secrets.token_urlsafe(48)
    temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(key + "\n")
        os.link(temporary, path)
    except FileExistsError:
        key = read_development_key(instance_path) or ""
    finally:
        os.unlink(temporary)
    if not key:
        raise RuntimeError(f"{path} is empty; delete it to make a new development key")
    return key
