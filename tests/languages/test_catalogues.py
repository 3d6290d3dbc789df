"""Every shipped catalogue translates every message of the code and templates, and its
compiled ``.mo`` is the one its ``.po`` compiles to."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from feedback_app.config import defaults

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "feedback_app" / "translations"
LOCALES: list[str] = defaults(str(ROOT / "instance"))["LOCALES"]
SHIPPED = [locale for locale in LOCALES if locale != "en"]


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    """The messages ``pybabel extract`` finds, as the catalogue's header says to run it."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "N_": None}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for *_, message, _, _ in found}


def catalogue(locale: str) -> Catalog:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


def test_english_and_five_translations_ship() -> None:
    assert LOCALES == ["en", "fr", "de", "es", "pt_BR", "nl"]
    assert sorted(path.name for path in TRANSLATIONS.iterdir() if path.is_dir()) == sorted(SHIPPED)


@pytest.mark.parametrize("locale", SHIPPED)
def test_every_message_is_translated(msgids: set[str], locale: str) -> None:
    translated = catalogue(locale)
    entries = {message.id if isinstance(message.id, str) else message.id[0]: message
               for message in translated if message.id}  # fmt: skip

    assert sorted(msgids - entries.keys()) == []
    assert sorted(entries.keys() - msgids) == []
    assert [key for key, message in entries.items() if message.fuzzy] == []
    assert [
        key
        for key, message in entries.items()
        if not all(message.string if isinstance(message.string, tuple) else [message.string])
    ] == []
    assert [(message.id, errors) for message, errors in translated.check()] == []


@pytest.mark.parametrize("locale", SHIPPED)
def test_the_compiled_catalogue_is_up_to_date(locale: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(locale))

    shipped = (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert shipped == compiled.getvalue(), (
        f"run pybabel compile -d {TRANSLATIONS.relative_to(ROOT)}"
    )
